"""The rules a new forum starts with. Plain data, so that the data migration that
installs them and the tests that need them read the same list."""

DEFAULT_RULES = [
    {
        "name": "Pre-moderate new members",
        "kind": "premoderation",
        "action": "require_approval",
        "params": {"below_trust_level": 1, "first_posts": 3},
    },
    {
        "name": "Posting rate",
        "kind": "flood",
        "action": "block",
        "params": {
            "per_minute": {"0": 2, "1": 4, "2": 10},
            "per_hour": {"0": 10, "1": 30, "2": 120},
            "max_identical": 1,
        },
    },
    {
        "name": "Links from new members",
        "kind": "links",
        "action": "require_approval",
        "params": {
            "max_links_new_member": 2,
            "new_member_below_trust_level": 1,
            "deny_domains": [],
            "allow_domains": [],
        },
    },
    {
        "name": "Copy-paste and brigading",
        "kind": "near_duplicate",
        "action": "flag",
        "params": {"threshold": 0.9, "min_words": 30},
    },
    {
        "name": "Spam heuristics",
        "kind": "scorer",
        "action": "flag",
        "params": {"scorer": "heuristic", "threshold": 0.8},
    },
    {
        "name": "Spam words",
        "kind": "watched_words",
        "action": "require_approval",
        "params": {"words": ["viagra", "casino bonus", "crypto giveaway"], "patterns": []},
    },
]


def install_default_rules(rule_model) -> int:
    """Create each default rule that no rule of that name exists for, enabled.
    `rule_model` is the Rule model (the historical one inside a migration)."""
    created = 0
    for spec in DEFAULT_RULES:
        _, was_created = rule_model.objects.get_or_create(
            name=spec["name"],
            defaults={
                "kind": spec["kind"],
                "action": spec["action"],
                "params": spec["params"],
                "enabled": True,
            },
        )
        created += was_created
    return created
