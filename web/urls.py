from django.urls import path

from . import (badge_pages, boards, challenge_pages, channels, event_batches, insights_dashboard, keys, kudos_pages, message_templates,
               oidc, outbox, profiles, signin, workbench)

app_name = "web"

urlpatterns = [
    path("", boards.home, name="home"),
    path("login", signin.sign_in, name="signin"),
    path("logout", signin.sign_out, name="signout"),
    # Sign-in with the company account (OpenID Connect); the callback is the redirect URI registered there.
    path("auth/oidc/login", oidc.oidc_login, name="oidc_login"),
    path("auth/oidc/callback", oidc.oidc_callback, name="oidc_callback"),
    path("boards/<str:board_id>", boards.board, name="board"),
    path("me", profiles.me, name="me"),
    path("me/export", profiles.export_own_data, name="export"),
    path("me/history", profiles.my_history, name="my_history"),
    path("people", profiles.people, name="people"),
    # Person ids can hold slashes (ids of other sources); the POST route comes first.
    path("people/<path:key>/visibility", profiles.set_visibility, name="visibility"),
    path("people/<path:key>/history", profiles.history, name="history"),
    path("people/<path:key>", profiles.person_page, name="person"),
    path("kudos", kudos_pages.kudos_feed, name="kudos"),
    path("kudos/give", kudos_pages.give, name="give_kudos"),
    path("kudos/undo", kudos_pages.undo, name="undo_kudos"),
    path("badges", badge_pages.catalog, name="badges"),
    path("badges/<str:badge_id>", badge_pages.badge_page, name="badge"),
    path("challenges", challenge_pages.challenge_list, name="challenges"),
    path("challenges/<str:challenge_id>", challenge_pages.challenge_page, name="challenge"),
    path("ways-to-earn", challenge_pages.ways_to_earn, name="ways_to_earn"),
    # The admin area (admins only).
    path("admin-area/rules", workbench.workbench, name="rules"),
    path("admin-area/versions", workbench.versions, name="versions"),
    path("admin-area/versions/<int:version_id>", workbench.version, name="version"),
    path("admin-area/versions/<int:version_id>/rollback", workbench.roll_back, name="rollback"),
    path("admin-area/keys", keys.keys, name="keys"),
    path("admin-area/keys/<int:key_id>/revoke", keys.revoke, name="revoke"),
    path("admin-area/channels", channels.channels, name="channels"),
    # Channel ids are free text (they may hold slashes); the POST route comes first.
    path("admin-area/channels/<path:channel_id>/delete", channels.delete_channel, name="channel_delete"),
    path("admin-area/channels/<path:channel_id>", channels.channel, name="channel"),
    path("admin-area/templates", message_templates.templates, name="templates"),
    path("admin-area/templates/<str:kind>/<str:name>/reset", message_templates.reset_template, name="template_reset"),
    path("admin-area/templates/<str:kind>/<str:name>", message_templates.template, name="template"),
    path("admin-area/outbox", outbox.outbox, name="outbox"),
    path("admin-area/outbox/<int:notification_id>", outbox.notification, name="notification"),
    path("admin-area/outbox/<int:notification_id>/requeue", outbox.requeue, name="requeue"),
    path("admin-area/event-batches", event_batches.event_batches, name="event_batches"),
    path("admin-area/event-batches/<int:batch_id>", event_batches.event_batch, name="event_batch"),
    path("admin-area/event-batches/<int:batch_id>/body", event_batches.event_batch_body, name="event_batch_body"),
    path("admin-area/event-batches/<int:batch_id>/retry", event_batches.retry, name="event_batch_retry"),
    path("admin-area/prompts", challenge_pages.prompts, name="prompts"),
    path("admin-area/prompts/<str:prompt_id>/post", challenge_pages.prompt_post, name="prompt_post"),
    path("admin-area/prompts/<str:prompt_id>", challenge_pages.prompt_confirm, name="prompt_confirm"),
    path("admin-area/insights", insights_dashboard.insights, name="insights"),
    path("admin-area/insights.csv", insights_dashboard.insights_csv, name="insights_csv"),
]
