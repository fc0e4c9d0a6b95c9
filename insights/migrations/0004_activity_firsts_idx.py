from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0013_event_kudos_idx'),
        ('insights', '0003_activity_scope_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='activityday',
            index=models.Index(fields=['program', 'channel', 'person', 'day', 'total', 'contributions'], name='insights_activity_firsts_idx'),
        ),
    ]
