from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0012_person_preferences'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(condition=models.Q(('type', 'kudos')), fields=['occurred_at', 'seq'], name='event_kudos_idx'),
        ),
    ]
