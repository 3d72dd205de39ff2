from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Logging in")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts import services

        # Django's own login() and logout() announce themselves here, whichever page called them (ours,
        # the admin's, the test client's force_login): each login starts a tracked session, each logout
        # ends it.
        user_logged_in.connect(services.start_session, dispatch_uid="accounts.start_session")
        user_logged_out.connect(services.end_session_on_logout, dispatch_uid="accounts.end_session")
