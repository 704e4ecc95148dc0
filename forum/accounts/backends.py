"""Authentication that honours sanctions: suspended and banned members cannot log in,
and a session they already hold stops working at once."""

from django.contrib.auth.backends import ModelBackend


class SanctionAwareBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not ({"suspend", "ban"} & user.active_sanction_kinds())
