"""URLs for withdrawal assessments, appeals and transferees, under /vetting/.

Their own namespace (`vetting_withdrawal`) beside the vetting pages' (`vetting`), so the two
sets of pages are added and changed apart.
"""

from django.urls import path

from custodes.web.vetting import views_withdrawal as views

app_name = "vetting_withdrawal"
urlpatterns = [
    path("withdrawals/", views.withdrawal_list, name="withdrawals"),
    path("withdrawals/<int:pk>/", views.withdrawal_detail, name="withdrawal"),
    path("clearances/<int:pk>/withdrawal/", views.withdrawal_begin, name="begin"),
    path("clearances/<int:pk>/appeal/", views.appeal_new, name="appeal-new"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_new, name="transfer-new"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:pk>/recheck/", views.transfer_recheck, name="transfer-recheck"),
    path("transfers/<int:pk>/record/", views.transfer_record, name="transfer-record"),
]
