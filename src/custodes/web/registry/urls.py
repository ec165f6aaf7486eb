"""Registry URLs."""

from django.urls import path

from custodes.web.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("check/", views.check, name="check"),
    path("screenings/", views.screening_queue, name="screenings"),
    path("screenings/<int:pk>/", views.screening_detail, name="screening"),
    path("candidates/<int:pk>/", views.candidate, name="candidate"),
    path("candidates/<int:pk>/<str:action>/", views.decide, name="decide"),
    path("rosters/", views.roster_list, name="rosters"),
    path("rosters/<int:pk>/screen/", views.roster_screen, name="screen-roster"),
]
