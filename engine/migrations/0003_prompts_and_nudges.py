import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0011_apikey_provisioning_role'),
        ('orchestration', '0002_scim'),
    ]

    operations = [
        migrations.CreateModel(
            name='NudgeRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='NudgeSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('enabled', models.BooleanField(default=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('person', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='nudge_setting', to='engine.person')),
            ],
        ),
        migrations.CreateModel(
            name='PromptPost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('prompt_id', models.CharField(max_length=64)),
                ('slot', models.DateTimeField()),
                ('manual', models.BooleanField(default=False)),
                ('team_id', models.CharField(blank=True, max_length=32)),
                ('channel', models.CharField(max_length=200)),
                ('text', models.TextField()),
                ('ts', models.CharField(blank=True, max_length=32)),
                ('posted_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.IntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('error', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'indexes': [models.Index(fields=['channel', 'ts'], name='prompt_post_ts_idx'), models.Index(fields=['next_attempt_at'], name='prompt_post_due_idx')],
                'constraints': [models.UniqueConstraint(fields=('prompt_id', 'slot'), name='prompt_post_once')],
            },
        ),
        migrations.CreateModel(
            name='Nudge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week', models.DateField()),
                ('kind', models.CharField(max_length=32)),
                ('about', models.CharField(blank=True, max_length=200)),
                ('channel', models.CharField(blank=True, max_length=64)),
                ('ts', models.CharField(blank=True, max_length=32)),
                ('error', models.CharField(blank=True, max_length=300)),
                ('sent_at', models.DateTimeField()),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='nudges', to='engine.person')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('person', 'week'), name='nudge_once_a_week')],
            },
        ),
    ]
