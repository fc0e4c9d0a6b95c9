from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0011_apikey_provisioning_role'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('type', 'kudos')), fields=['occurred_at', 'seq'], name='event_kudos_idx'),
        ),
    ]
