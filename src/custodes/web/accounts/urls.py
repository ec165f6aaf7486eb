"""Account URLs."""

from django.urls import path

from custodes.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in_view, name="login"),
    path("sign-out/", views.sign_out_view, name="logout"),
    path("manage/", views.manage_view, name="manage"),
    path("manage/<int:pk>/unlock/", views.unlock_account_view, name="unlock-account"),
    path("manage/unlock-address/", views.unlock_address_view, name="unlock-address"),
    path("manage/<int:pk>/force-user-id/", views.set_force_user_id_view, name="force-user-id"),
]
