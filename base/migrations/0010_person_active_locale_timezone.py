
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0009_apikey_sources'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='active',
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name='person',
            name='locale',
            field=models.CharField(blank=True, max_length=35),
        ),
        migrations.AddField(
            model_name='person',
            name='timezone',
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
