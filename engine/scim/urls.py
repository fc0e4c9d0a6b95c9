from django.urls import path, re_path

from . import views

urlpatterns = [
    path("ServiceProviderConfig", views.service_provider_config_view),
    path("ResourceTypes", views.resource_types_view),
    path("ResourceTypes/<str:name>", views.resource_types_view),
    path("Schemas", views.schemas_view),
    path("Schemas/<str:urn>", views.schemas_view),
    path(".search", views.root_search_view),
    path("Users/.search", views.users_search_view),
    path("Groups/.search", views.groups_search_view),
    path("Users", views.users_view),
    path("Users/<str:user_id>", views.user_view),
    path("Groups", views.groups_view),
    path("Groups/<str:group_id>", views.group_view),
    re_path(r"^(?P<rest>.*)$", views.unknown_view),
]
