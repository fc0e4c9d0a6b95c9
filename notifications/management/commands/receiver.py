"""`manage.py receiver`: listen on 127.0.0.1 and print the Slack messages, Teams cards and verified
Standard Webhooks deliveries that arrive (the demo points its channels here)."""

import json
import sys

from django.core.management.base import BaseCommand

from notifications.receiver import Receiver


class Command(BaseCommand):
    help = "A local notification receiver: POST /slack, /teams, /webhook (verified with --secret)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8010)
        parser.add_argument("--secret", default=None, help="the webhook channel's whsec_ secret")

    def handle(self, *args, port, secret, **options):
        def show(item, status):
            try:
                body = item.json()
            except ValueError:
                body = {}
            if item.path.startswith("/slack"):
                line = f"[slack {status}] {body.get('text', '')}" + (f"  PROBLEM: {item.problem}" if item.problem else "")
            elif item.path.startswith("/webhook"):
                state = "signature verified" if item.verified else item.problem
                line = f"[webhook {status}] {body.get('type')} {json.dumps(body.get('data', {}).get('person', {}).get('name'))} ({state})"
            else:
                line = f"[{item.path} {status}] {item.body[:500].decode('utf-8', 'replace')}"
            sys.stdout.write(line.replace("\n", "\n    ") + "\n")
            sys.stdout.flush()

        server = Receiver(port, secret=secret, on_receive=show)
        self.stdout.write(f"Notification receiver on {server.url} (/slack, /teams, /webhook)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
