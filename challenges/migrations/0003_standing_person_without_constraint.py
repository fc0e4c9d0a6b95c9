import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('challenges', '0002_counts_per_batch'),
        ('engine', '0013_event_kudos_idx'),
    ]

    operations = [
        migrations.AlterField(
            model_name='challengestanding',
            name='person',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engine.person'),
        ),
    ]
