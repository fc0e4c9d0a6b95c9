import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rules', '0002_ruleset_draft'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScheduledActivation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=64)),
                ('text', models.TextField()),
                ('sha256', models.CharField(max_length=64)),
                ('activate_at', models.DateTimeField(db_index=True)),
                ('timezone', models.CharField(max_length=64)),
                ('note', models.CharField(blank=True, max_length=500)),
                ('scheduled_by', models.CharField(blank=True, max_length=100)),
                ('status', models.CharField(choices=[('pending', 'pending'), ('done', 'done'), ('cancelled', 'cancelled'), ('failed', 'failed')], default='pending', max_length=10)),
                ('cancelled_by', models.CharField(blank=True, max_length=100)),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='rules.rulesetversion')),
            ],
        ),
    ]
