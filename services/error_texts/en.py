"""The refusals' words in English, also their ``detail`` in logs and the CLI (the same keys as
``zh.py``, which may leave out a placeholder carrying an English library's words, never add one).
"""
from __future__ import annotations

TEXTS: dict[str, str] = {
    # dry runs in the designer
    "dry_run.not_found": "There is no dry run {run} (it may have been cleared after being idle).",
    "dry_run.too_many": "This server already holds {limit} dry runs; end one and try again.",
    "dry_run.busy": "Dry run {run} is still doing its previous step; try again shortly.",
    "dry_run.started": "The dry run has already started.",
    "dry_run.not_started": "The dry run has not started a case yet.",
    "dry_run.step_kind": "A step is exactly one of: {kinds}.",
    "dry_run.step_failed": "The step could not be done: {problem}",
    "dry_run.unavailable": "This server offers no dry runs.",
    "coverage.busy": "This server is already working out {limit} scenario coverages; try again shortly.",
    # tasks
    "task.not_found": "No task {task}.",
    "task.not_in_group": "Task {task} belongs to the group '{group}', which '{user}' is not in.",
    "task.not_open": "Task {task} is {state}, not open.",
    "task.changed": "Task {task} was changed by someone else; reload it.",
    "task.claimed": "Task {task} is already claimed by '{user}'.",
    "task.claim_members_only": "Only members of '{group}' can claim task {task}.",
    "task.not_claimed": "Task {task} is not claimed.",
    "task.unclaim_refused": "Task {task} is claimed by '{user}'; only they or a supervisor can "
                            "release it.",
    "task.claimed_by_other": "Task {task} is claimed by '{user}'.",
    "task.complete_members_only": "Only members of '{group}' can complete task {task}.",
    "task.instance_ended": "The instance of task {task} is {status}.",
    "task.assign_not_yours": "Task {task} is not yours to hand on: only its assignee or a "
                             "supervisor can reassign it (claim an unclaimed task first).",
    "task.assign_not_member": "'{user}' is not in the task's group '{group}'; ask a supervisor "
                              "to assign it.",
    "task.unknown_user": "No active user '{user}'.",
    "task.escalate_reason": "Say why the task is escalated.",
    "task.escalate_refused": "Only the assignee of task {task} (or, while it is unclaimed, its "
                             "group) or a supervisor can escalate it.",
    "task.escalate_not_open": "Task {task} is {state}; only open tasks are escalated.",
    "page.cursor": ("This page cursor is not valid for this list and sort; start again from "
                    "the first page."),
    "task.sort_unknown": "Cannot sort by '{key}'; use {keys} (prefix '-' for descending).",
    "task.time_zone": "Unknown time zone '{zone}'.",
    "task.delegation_pending": "Task {task} was delegated by '{owner}' to '{user}' and the "
                               "delegation is not resolved: the delegate resolves it to give it "
                               "back, then the owner '{owner}' completes the task.",
    "task.delegate_not_yours": "Only the assignee of task {task} can delegate it (claim an "
                               "unclaimed task first).",
    "task.delegate_self": "Task {task} cannot be delegated to yourself.",
    "task.not_delegated": "Task {task} has no pending delegation.",
    "task.resolve_not_yours": "Task {task} is delegated to '{user}': only the delegate resolves "
                              "it.",
    "task.bulk_too_many": "At most {max} tasks per call; this one names {count}. Narrow the "
                          "filter or send several calls.",
    "task.bulk_needs": "The bulk action '{action}' needs {field}.",
    "task.bulk_item_failed": "Task {task} could not be done this time (a server error, "
                             "logged; nothing of it changed); the others went on. Try this "
                             "one again later.",
    "task.unknown_group": "No user group '{group}'.",
    # visibility and roles
    "case.not_yours": "'{user}' does not work on case {instance} (no task of it held, none in "
                      "their groups' lanes); look it up by its case number, order number or the "
                      "customer's phone for the masked summary (GET /api/v1/lookup).",
    "case.comment_blank": "A comment needs some words.",
    "process.start_refused": "'{user}' may not start '{process}': it is started by {allowed}, "
                             "and they are in none of these.",
    "role.required": "This needs one of these roles: {roles}; '{user}' has {has}.",
    # instances
    "process.not_deployed": "No deployed process '{process}'.",
    "process.version_not_deployed": "No deployed process version {version} of '{process}'.",
    "case.no_such_related": "No case {case} to refer to.",
    "instance.not_found": "No process instance {instance}.",
    "instance.already_ended": "Instance {instance} is already {status}.",
    "instance.not_in_error": "Instance {instance} is {status}, not in error.",
    "instance.variables_ended": "Instance {instance} is {status}: its variables can no longer "
                                "change.",
    # migrations (services/migrations.py)
    "migration.same_version": "The target is the same version ({version}) as the source: pick another version.",
    "migration.unknown_target": "The mapping names elements the target version does not have (for {elements}).",
    "migration.foreign_instances": "Instances {instances} in instance_ids cannot move from version {version} of '{process_key}': list running or waiting instances of that version only.",
    "migration.no_instances": "No running or waiting instance of version {version} matches: nothing to migrate.",
    "migration.not_found": "There is no migration batch {batch}.",
    "migration.not_source_version": "Instance {instance} is not on version {version} of the process (any more).",
    "migration.instance_not_running": "Instance {instance} is {status}: only running and waiting instances are migrated.",
    "migration.active_unmapped": "Instance {instance} is waiting at '{element}', which has no target in the mapping: map it to an element of the target version.",
    "migration.subprocess_active": "Instance {instance} is inside a subprocess or call activity; moving those is not supported.",
    "migration.engine_failed": "Instance {instance} could not run on the target version: {message}",
    "instance.variables_in_error": "Instance {instance} is in error: retry it with the corrected "
                                   "variables instead.",
    "instance.changed": "Instance {instance} was changed by someone else; reload and retry.",
    "instance.start_data": "The process asks for start data '{name}', which Flowdesk does not "
                           "provide (known: {known}).",
    # customers, cases and lookup
    "customer.unknown": "No customer {customer}.",
    "customer.not_found": "No customer {customer}.",
    "customer.invalid": "The customer record has errors; see each field.",
    "customer.field_supervised": "Only supervisors and admins may change a customer's code, "
                                 "tier, ABC class or dedicated agent ({fields}): they decide "
                                 "how the customer's cases are routed and ranked.",
    "customer.code_taken": "A customer with code '{code}' already exists.",
    "customer.not_yours": "'{user}' works on no case of customer {customer}, so may not "
                          "{doing} their record; a supervisor can, or look the case up by its "
                          "number for the masked summary.",
    "customer.doing.read": "read",
    "customer.doing.change": "change",
    "lookup.one_key": "Look a case up by exactly one of case_no, order_no or phone.",
    "search.query": "Say what to look for: a case number, business key, order number, customer "
                    "name or phone (1 to {max} characters).",
    # definitions and process groups
    "definition.deploy_race": "Another deployment of this process finished at the same moment; "
                              "retry.",
    "definition.not_found": "No process definition {definition}.",
    "group.designers_only": "Only designers of the process group '{group}' and admins may "
                            "{doing}; '{user}' is not one of them (an admin adds designers).",
    "group.doing.deploy": "deploy a new version of '{process}'",
    "group.doing.deploy_new": "deploy the new process '{process}' into it",
    "group.doing.read_xml": "read the XML of '{process}'",
    "group.process_elsewhere": "The process '{process}' belongs to the process group '{group}'; "
                               "an admin moves it with PUT /api/v1/admin/process-keys/{process}.",
    "group.no_such_choice": "There is no process group '{group}'; you may choose: {choices}.",
    "group.designs_none": "'{user}' designs no process group, so cannot deploy a new process; "
                          "an admin adds designers to a group.",
    "group.name_one": "Name the process group for the new process (process_group): one of "
                      "{choices}.",
    "group.bad_name": "A process group's name is 1 to 100 letters, digits, '_', '-' or '.'.",
    "group.exists": "The process group '{group}' exists already.",
    "group.not_designer": "'{user}' is not a designer of the process group '{group}'.",
    "group.process_not_deployed": "No process '{process}' is deployed.",
    "group.no_such": "There is no process group '{group}'.",
    "group.not_found": "No process group '{group}'.",
    "group.user_not_found": "No user '{user}'.",
    "group.not_a_designer_role": "'{user}' has neither the designer nor the admin role; give it "
                                 "the designer role first (flowdesk users create {user} --role "
                                 "designer).",
    # waiting, due times and timers
    "task.due_not_open": "Task {task} is {state}; only open tasks have a due time.",
    "task.state": "Task {task} is {state}.",
    "task.waiting_refused": "Only the assignee of task {task} (or, while it is unclaimed, its "
                            "group) or a supervisor can say what it waits for.",
    "instance.state": "Instance {instance} is {status}.",
    # suspension, variables and modification (issue 17)
    "instance.reason_required": "Give a reason: it goes into the audit trail.",
    "instance.suspended": "Instance {instance} is suspended: its tasks cannot be claimed, "
                          "assigned or completed until it is resumed.",
    "instance.not_suspendable": "Instance {instance} is {status}: only a running or waiting "
                                "instance can be suspended.",
    "instance.not_suspended": "Instance {instance} is {status}, not suspended.",
    "modify.state": "Instance {instance} is {status}: only a running or waiting instance can be "
                    "modified.",
    "modify.bad_operation": "Each operation names exactly one of cancel, start_before, "
                            "start_after, with an element id: {element}",
    "modify.no_operation": "Give at least one operation (cancel, start_before or start_after).",
    "modify.unknown_element": "The process has no element '{element}'.",
    "modify.other_scope": "Element '{element}' is inside a subprocess, call activity or event "
                          "subprocess: only the main process can be modified.",
    "modify.not_active": "Element '{element}' has no active token to cancel.",
    "modify.multi_instance": "Element '{element}' is (inside) a multi-instance or loop activity: "
                             "it cannot be modified safely.",
    "modify.join": "Element '{element}' is a gateway joining several flows: starting there would "
                   "upset its count of arriving tokens.",
    "modify.not_startable": "A token cannot be started at element '{element}' (a start or "
                            "boundary event, or a subprocess).",
    "modify.several_outgoing": "Element '{element}' has several outgoing flows: use start_before "
                               "with the target element instead.",
    "instance.waiting_refused": "Only a supervisor, an admin or the assignee of an open task of "
                                "instance {instance} can say what it waits for.",
    "timer.not_found": "No armed timer {row}.",
    "timer.not_movable": "Due work {row} is a {state} {kind}; only pending timers and scheduled "
                         "starts can be moved, and thrown messages and signals sent again (SLA "
                         "clocks move with their task's due time).",
    "timer.gone": "The timer is no longer waiting in its instance.",
    # SLA policies and calendars
    "sla.calendar_not_found": "No calendar named '{name}'.",
    "sla.policy_not_found": "No SLA policy named '{name}'.",
    "sla.calendar_in_use": "Calendar '{name}' is used by the SLA policies {policies}.",
    "sla.config_invalid": "The configuration is invalid: {problem}",
    "sla.policy_invalid": "The SLA policy is invalid ({fields}).",
    "sla.duration_invalid": "The duration is invalid ({field}).",
    # engine/sla_policy.py's field codes
    "sla_policy.not_object": "An SLA policy must be a JSON object",
    "sla_policy.text": "required (non-empty text)",
    "sla_policy.target_task": "give the BPMN task id to watch",
    "sla_policy.target_lane": "give the lane name to watch",
    "sla_policy.calendar": "a calendar name, or empty for wall-clock time",
    "sla_policy.duration": "'{text}' is not an ISO 8601 duration such as PT4H, P1D or PT30M (no years or months)",
    "sla_policy.positive": "must be longer than zero",
    "sla_policy.boolean": "must be true or false",
    "sla_policy.duration_minutes": "duration_minutes is not supported; give duration in ISO 8601, e.g. PT4H",
    "sla_policy.unknown_field": "not a field of an SLA policy",
    "sla_policy.target": "the target is task, lane or instance (the whole case)",
    "sla_policy.target_ref_null": "must be empty when the target is the whole case",
    "sla_policy.clock": "one of: {allowed}",
    "sla_policy.instance_clock": "a whole-case target needs the instance_resolution clock, and only it may use that clock",
    "sla_policy.duration_required": "required, e.g. PT4H",
    "sla_policy.warning": "either percent (e.g. 80) or before (e.g. PT30M)",
    "sla_policy.warning_percent": "a number greater than 0 and less than 100",
    "sla_policy.warning_before": "must be shorter than the duration",
    "sla_policy.warn_needs_calendar": "warning in business hours needs a calendar; wall-clock time never closes",
    "sla_policy.pause_when": "a list of state names such as \"waiting_customer\"",
    "sla_policy.escalations": "a list of levels, each with after (how long past due) and actions",
    "sla_policy.level": "each level is an object with exactly \"after\" and \"actions\"",
    "sla_policy.level_after": "must not be shorter than the previous level's ({previous})",
    "sla_policy.actions": "at least one action",
    "sla_policy.action_type": "the action type is one of: {allowed}",
    "sla_policy.action_field": "not a field of a {type} action",
    "sla_policy.priority": "a whole number from 0 to 100",
    "sla.put_missing": "A PUT replaces the whole SLA policy; missing: {fields}.",
    # /metrics
    "metrics.token_required": "/metrics needs the bearer token set in "
                              "FLOWDESK_METRICS_TOKEN.",
    "metrics.network_refused": "/metrics answers only the networks in FLOWDESK_METRICS_ALLOW; "
                               "{client} is not in them.",
    # sign-in, users and tokens
    "auth.throttled": "Too many wrong passwords for this name from your address; try again in "
                      "{wait} second(s).",
    "auth.throttled_address": "Too many wrong passwords for different names from your "
                              "address; try again in {wait} second(s).",
    "user.not_found": "No user '{user}'.",
    "user.unknown_roles": "Unknown role(s) {unknown}; use {roles}.",
    "user.password_short": "A password needs at least {min} characters.",
    "token.not_found": "No token with id {token}.",
    "token.lifetime": "'{text}' is not a lifetime; write a number and m, h, d or w (e.g. 30d).",
    "group.display_name_long": "The display name is longer than {max} characters.",
    "group.no_group_named": "No group named '{group}'.",
    # secrets
    "secret.bad_name": "'{name}' is not a secret name.",
    "secret.invalid": "The secret is invalid: {fields}",
    "secret.not_found": "No secret named '{name}'.",
    "secret.missing": "No secret named {names}: an admin has to add it to the secrets first.",
    "secret.no_key": "Secrets need a key that is not in the database: set FLOWDESK_SECRETS_KEY "
                     "(from `flowdesk secrets generate-key`) or FLOWDESK_SECRETS_KEY_FILE on "
                     "every Flowdesk process.",
    # notifications
    "subscription.invalid": "The subscription is invalid.",
    "subscription.not_found": "No subscription with id {id}.",
    "subscription.not_yours": "You may change only your own subscriptions.",
    "subscription.internal_admin_only": "Only admins' subscriptions may send to an address inside the network: the server would post to it for you.",
    "subscription.secret_admin_only": "Only an admin's subscriptions may refer to stored "
                                      "secrets ({fields}): the secret's value goes to the "
                                      "address given.",
    "notification.not_found": "No notification with id {id}.",
    "field.one_of": "must be one of {allowed}",
    "field.email": "not an e-mail address",
    "field.url": "not an http(s) URL",
    "field.secret_admin_only": "only admins may refer to stored secrets",
    "field.migration_instance_unknown": "there is no instance {instance}",
    "field.migration_instance_elsewhere": "instance {instance} is on version {version} of '{process_key}', not on the source version",
    "field.migration_instance_suspended": "instance {instance} is suspended: resume it first (migrating moves it on to its next wait)",
    "field.migration_same_version": "the target must be another version than the source",
    "field.migration_unknown_target": "the target version has no element {target}",
    "field.unknown_group": "unknown group",
    "field.unknown_calendar": "no business calendar of that name",
    # retention
    "retention.no_rule": "Process {process} has no retention rule: its finished cases are kept.",
    "retention.unknown_process": "No process with the key {process} is deployed.",
    "retention.invalid": "The retention rule is not valid.",
    "retention.days": "Keep finished cases for a whole number of days, from 1 to {max}.",
    "retention.mode": "Mode must be one of {modes}.",
    "retention.not_archived": "Case {instance} is not in the archive.",
    # notification templates
    "notify_template.invalid": "The template does not work: {part}, line {line}.",
    "notify_template.not_found": "No template of your own for {kind} in {lang}: the default "
                                 "is in use.",
    "notify_template.bad_key": "There is no notification template {kind} in {lang}.",
    # messages and signals (POST /messages, /signals, and between instances)
    "event.none_waiting": "No instance waits for the message '{name}' (looked for {wanted}), "
                          "and no deployed process starts with it.",
    "event.none_waiting_any": "No instance waits for the message '{name}', and no deployed "
                              "process starts with it.",
    "event.ambiguous": "Several instances wait for the message '{name}': {instances}. Address "
                       "one by correlation, business_key or instance_id, or send it with "
                       "all=true.",
    "event.too_many": "More than {limit} instances wait for the message '{name}'; a message "
                      "reaches at most that many at once: use a signal for a broadcast.",
    "event.instance_ended": "Instance {instance} has ended; it no longer waits for the {kind} "
                            "'{name}'.",
    "event.instance_in_error": "Instance {instance} is in error; retry it before sending it "
                               "the {kind} '{name}'.",
    "event.not_caught": "Instance {instance} does not wait for the {kind} '{name}' now: "
                        "{problem}.",
    "event.owned_variables": "Flowdesk sets these variables of a case itself; a message or "
                             "signal cannot change them: {names}.",
    "event.key_invalid": "The {header} header must be 1 to 200 letters, digits, '.', '_', ':' "
                         "or '-'.",
    "event.key_reused": "The Idempotency-Key '{key}' was used for another request (a {kind} "
                        "with other contents) within the last 24 hours; send a new request "
                        "with a new key.",
    "event.key_in_flight": "A request with the Idempotency-Key '{key}' is being handled right "
                           "now; try again in a moment.",
    # field messages
    "field.set_by_flowdesk": "set by Flowdesk",
    "field.idempotency_key": "1 to 200 letters, digits, '.', '_', ':' or '-'",
    "field.idempotency_key_reused": "already used for another request",
    "field.not_group_member": "not a member of the task's group",
    "field.unknown_user": "unknown user",
    "field.not_self": "cannot be yourself",
    "field.not_blank": "must not be blank",
    "field.cursor": "not a valid page cursor",
    "field.unknown_sort": "unknown sort key {key}",
    "field.time_zone": "not an IANA time zone name",
    "field.unknown_case": "unknown case",
    "field.unknown_customer": "unknown customer",
    "field.phone": "not a phone number: digits, with an area code, spaces or '-' if you like, e.g. 138 1234 5678 or 021-6123-4567",
    "field.internal_address": "may not be an internal, loopback or link-local address (127.0.0.1, 10.x, 192.168.x, 169.254.x, localhost)",
    "field.code_taken": "already used",
    "field.supervisor_only": "only supervisors and admins may change this",
    "field.one_of_lookup": "give exactly one of case_no, order_no, phone",
    "field.secret_name": "a letter, then letters, digits, '_', '-' or '.'; at most 100 "
                         "characters",
    "field.at_most_days": "at most {days} days",
    "field.duration_unreadable": "'{text}' is not a duration such as '4 小时', '2 个工作日', "
                                 "'30 分钟', '4 hours' or ISO 8601 'PT4H'",
    "field.duration_workday_needs_calendar": "'{text}' counts working days, which need a "
                                             "calendar; give hours or days without one",
    "field.at_most": "at most {max} characters",
    "field.length_between": "1 to {max} characters",
    "field.process_elsewhere": "'{process}' is in '{group}'",
    "field.no_such_group": "no such process group",
    "field.group_required": "required: you design several groups",
    "field.group_name": "letters, digits, '_', '-', '.'",
    "field.password_short": "too short",
    "field.lifetime": "like 30d, 12h, 90m or 2w",
    "field.no_calendar": "No calendar named '{name}'.",
    "field.template_broken": "line {line}: {reason}",
    "field.put_missing": "{field} is missing: a PUT replaces the whole policy (give null or [] "
                         "to clear it, or send a PATCH to change some fields).",
}

# state and status words of tasks and instances
WORDS: dict[str, str] = {}
