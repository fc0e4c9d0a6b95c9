from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0013_event_kudos_idx'),
        ('insights', '0002_period_totals'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='activityday',
            index=models.Index(fields=['program', 'day'], name='insights_activity_program_idx'),
        ),
        migrations.AddIndex(
            model_name='activityday',
            index=models.Index(fields=['channel', 'day'], name='insights_activity_channel_idx'),
        ),
    ]
