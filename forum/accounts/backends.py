"""Authentication that honours sanctions: suspended and banned members cannot log in,
and a session they already hold stops working at once."""

from django.contrib.auth.backends import ModelBackend

from forum.accounts.models import User, remember_sanction_kinds, with_sanction_kinds


class SanctionAwareBackend(ModelBackend):
    def get_user(self, user_id):
        # The member of a session and their standing in one query: every signed-in
        # request asks both.
        user = with_sanction_kinds(User._default_manager.filter(pk=user_id)).first()
        if user is None:
            return None
        remember_sanction_kinds(user.pk, user)
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not ({"suspend", "ban"} & user.active_sanction_kinds())
