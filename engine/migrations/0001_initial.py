from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='SlackWorkspace',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('team_id', models.CharField(max_length=32, unique=True)),
                ('name', models.CharField(blank=True, default='', max_length=200)),
                ('app_id', models.CharField(blank=True, default='', max_length=32)),
                ('bot_user_id', models.CharField(blank=True, default='', max_length=32)),
                ('scopes', models.TextField(blank=True, default='')),
                ('bot_token_encrypted', models.TextField()),
                ('installed_at', models.DateTimeField()),
            ],
        ),
    ]
