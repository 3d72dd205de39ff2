from django.urls import path  # noqa: F401 - each feature adds its patterns below

app_name = "reviews"
urlpatterns = [
    # meetings (issue 3)
    # reviews, shortcomings and remediation (issue 4)
    # reminders and inbox (issue 5)
]
