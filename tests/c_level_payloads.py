"""Scripts whose cost sits in one C-level call (no CPU tick runs inside it), from the attack
run: each must be refused before it runs, so the step ends quickly with an incident and stores
nothing big. Shared by the unit and API tests and bench/bench_sandbox.py."""
from __future__ import annotations

BIG = "s = 'a' * 10**7\nt = 'a' * (10**7 - 1) + 'b'\n"
PAYLOADS = {
    "in_repeated_list": BIG + "r = t in [s] * 3000",
    "percent_of_shared_list": "r = '%s' % (['a' * 10**7] * 10,)",
    "repr_of_shared_list": BIG + "r = len(repr([s] * 100))",
    "str_of_shared_list": BIG + "r = len(str([s] * 100))",
    "fstring_of_shared_list": BIG + "r = len(f'{[s] * 100}')",
    "print_of_shared_list": BIG + "print([s] * 100)\nr = printed",
    "sorted_long_strings": BIG + "r = sorted([s, t] * 1500)",
    "equal_lists_of_long_strings": BIG + "r = [s] * 3000 == [t] * 3000",
    "count_long_strings": BIG + "r = ([s] * 3000).count(t)",
    "store_long_text": "r = 'a' * 5000000",
}
WORDS = ("refusing", "characters", "longer than")  # one of these names the refused size
