from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0010_person_active_locale_timezone'),
    ]

    operations = [
        migrations.AlterField(
            model_name='apikey',
            name='role',
            field=models.CharField(choices=[('admin', 'admin'), ('integration', 'integration'), ('reader', 'reader'), ('provisioning', 'provisioning')], max_length=20),
        ),
    ]
