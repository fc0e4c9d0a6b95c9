
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0008_event_batch'),
    ]

    operations = [
        migrations.AddField(
            model_name='apikey',
            name='sources',
            field=models.JSONField(blank=True, default=list),
        ),
    ]
