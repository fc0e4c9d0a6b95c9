import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('engine', '0010_person_active_locale_timezone'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChallengeState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('challenge_id', models.CharField(max_length=64, unique=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('end_announced_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='ChallengeCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('challenge_id', models.CharField(max_length=64)),
                ('participant', models.CharField(max_length=200)),
                ('amount', models.BigIntegerField()),
                ('taken_back', models.BooleanField(default=False)),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engine.event')),
                ('person', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engine.person')),
            ],
        ),
        migrations.CreateModel(
            name='ChallengeStanding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('challenge_id', models.CharField(max_length=64)),
                ('participant', models.CharField(max_length=200)),
                ('progress', models.BigIntegerField(default=0)),
                ('reached_at', models.DateTimeField(blank=True, null=True)),
                ('reached_seq', models.BigIntegerField(blank=True, null=True)),
                ('winner', models.IntegerField(blank=True, null=True)),
                ('person', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engine.person')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('challenge_id', 'participant'), name='challenge_standing_once')],
            },
        ),
    ]
