from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0011_apikey_provisioning_role'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='digest_email',
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name='person',
            name='quiet_announcements',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='person',
            name='slack_mention',
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name='person',
            name='title_badge',
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
