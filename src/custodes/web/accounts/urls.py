"""Account URLs."""

from django.urls import path

from custodes.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in_view, name="login"),
    path("sign-out/", views.sign_out_view, name="logout"),
]
