from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0013_event_kudos_idx'),
    ]

    operations = [
        migrations.AddField(
            model_name='scorerstate',
            name='facts_epoch',
            field=models.BigIntegerField(default=0),
        ),
    ]
