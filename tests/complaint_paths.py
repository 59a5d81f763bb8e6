"""Every path through processes/complaint-handling (mirrors the tables in its README).

Each step is (user task id, lane, payload); the lane is the group whose inbox gets the task.
``route`` is the ``handling_route`` the DMN complaint_routing chooses (None: not accepted).
"""
from __future__ import annotations

ACCEPT_ALL = {'has_complainant': True, 'has_issue': True, 'has_damage': True, 'has_demand': True,
              'within_scope': True}

PATHS: dict[str, dict] = {
    'A': {
        "title": 'not accepted', "end": 'end_not_accepted', "priority": None, "route": None,
        "case_status": 'not_accepted',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Wang Fang', 'contact': '13800001111', 'channel': 'hotline', 'complaint_class': 'service', 'complaint_subclass': 'quality', 'severity': 'minor', 'description': 'Would like the store to stay open until 22:00.'}),
            ('check_acceptance', 'Agent', {'has_complainant': True, 'has_issue': True, 'has_damage': False, 'has_demand': True, 'within_scope': True}),
            ('reply_not_accepted', 'Agent', {'reply_text': 'Thank you; this is a suggestion rather than a complaint, so we have passed it to the store manager.', 'reply_channel': 'phone'}),
        ],
    },
    'B': {
        "title": 'product quality, front office, refund', "end": 'end_closed', "priority": 'urgent',
        "route": 'front_office', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Li Wei', 'contact': 'li.wei@example.com', 'channel': 'online_chat', 'platform': 'tmall', 'order_no': 'TB20240611001', 'complaint_class': 'product', 'complaint_subclass': 'quality', 'severity': 'severe', 'description': 'Kettle leaks from the base after two days.', 'damage': 'Kettle unusable; water damage to a cabinet.', 'demand': 'Full refund.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('handle_complaint', 'Agent', {'findings': 'Photos confirm a cracked base seal.', 'escalate': False, 'remedy': 'refund', 'amount': 199, 'customer_agreed': True}),
            ('issue_refund', 'Agent', {'amount': 199, 'refund_reference': 'RF20240612001', 'signer': 'Huilan', 'note': '质量问题退款_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 5}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Defective base seal in supplier batch 2406.', 'responsible_party': 'supplier_or_manufacturer', 'improvement': 'Quality team to inspect batch 2406 stock and claim from the supplier.', 'departments_notified': ['quality', 'supplier']}),
        ],
    },
    'C': {
        "title": 'product delivery, front office, exchange', "end": 'end_closed', "priority": 'medium',
        "route": 'front_office', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Zhao Min', 'contact': 'zhao.min@example.com', 'channel': 'email', 'platform': 'jd', 'order_no': 'TB20240610042', 'complaint_class': 'product', 'complaint_subclass': 'delivery', 'severity': 'moderate', 'description': 'Ordered a size L jacket, received size M.', 'damage': 'Cannot wear the jacket.', 'demand': 'Send the right size.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('handle_complaint', 'Agent', {'findings': 'Warehouse picked size M instead of L.', 'escalate': False, 'remedy': 'exchange', 'customer_agreed': True}),
            ('arrange_exchange', 'Agent', {'exchange_order_no': 'EX20240612007', 'note': '错发换货_小周'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 4, 'customer_feedback': 'Quick fix, thanks.'}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Picker took the item from the neighbouring bin.', 'responsible_party': 'warehouse', 'improvement': 'Warehouse to relabel size bins and double-check apparel sizes.', 'departments_notified': ['warehouse']}),
        ],
    },
    'D': {
        "title": 'service attitude, complaint group, compensation', "end": 'end_closed',
        "priority": 'low', "route": 'complaint_group', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Chen Jie', 'contact': '13900002222', 'channel': 'complaint_hotline', 'complaint_class': 'service', 'complaint_subclass': 'attitude', 'staff_involved': '在线客服 小周 (子账号 shop:xiaozhou)', 'severity': 'minor', 'description': 'Chat agent answered rudely when asked about delivery.', 'damage': 'Felt disrespected.', 'demand': 'An apology.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('group_handle_complaint', 'ComplaintGroup', {'findings': 'Chat log confirms an impolite reply.', 'escalate': False, 'remedy': 'compensation', 'amount': 20, 'customer_agreed': True, 'reply_to_customer': 'Apologised by phone for the reply; offered 20 yuan as an apology, which the customer accepted.'}),
            ('pay_compensation', 'Agent', {'amount': 20, 'payment_reference': 'PAY20240612002', 'signer': 'Huilan', 'note': '服务态度补偿_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 4}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Agent under pressure at peak time used a curt reply.', 'responsible_party': 'customer_service', 'improvement': 'Coach the agent; review the case at the Monday meeting.', 'departments_notified': ['customer_service']}),
        ],
    },
    'E': {
        "title": 'forwarded by a regulator, complaint group, escalated to the supervisor',
        "end": 'end_closed', "priority": 'urgent', "route": 'complaint_group', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Sun Hao', 'contact': '13700003333', 'channel': 'regulator', 'forwarded_by': 'consumer_association', 'order_no': 'TB20240601100', 'complaint_class': 'product', 'complaint_subclass': 'transaction', 'severity': 'moderate', 'description': 'Charged twice for one order; complaint forwarded by the consumer association.', 'damage': 'Paid 89 twice.', 'demand': 'Refund and compensation.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('group_handle_complaint', 'ComplaintGroup', {'findings': 'Payment log shows a duplicate charge of 89.', 'escalate': True, 'escalation_reason': 'Forwarded by a regulator and the customer wants more than the refund.', 'remedy': 'refund', 'amount': 89, 'customer_agreed': False, 'reply_to_customer': 'Confirmed the double charge; the supervisor will decide the compensation today.'}),
            ('supervisor_review', 'Supervisor', {'remedy': 'compensation', 'amount': 150, 'supervisor_note': 'Refund the double charge plus goodwill as one compensation payment; reply to the association today.'}),
            ('pay_compensation', 'Agent', {'amount': 150, 'payment_reference': 'PAY20240612003', 'signer': 'Supervisor Liu', 'note': '重复扣款补偿_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 5}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Payment gateway retried a timed-out charge.', 'responsible_party': 'platform', 'improvement': 'IT to add an idempotency key to payment retries.', 'departments_notified': ['it', 'finance']}),
        ],
    },
    'F': {
        "title": 'dissatisfied, reopened, then satisfied', "end": 'end_closed', "priority": 'medium',
        "route": 'front_office', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Liu Yang', 'contact': 'weibo:@liuyang', 'channel': 'social_media', 'order_no': 'TB20240605077', 'complaint_class': 'product', 'complaint_subclass': 'delivery', 'severity': 'moderate', 'description': 'Lamp arrived with a cracked shade.', 'damage': 'Lamp cannot be used.', 'demand': 'Replacement.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('handle_complaint', 'Agent', {'findings': 'Unboxing photos show a crushed carton.', 'escalate': False, 'remedy': 'exchange', 'customer_agreed': True}),
            ('arrange_exchange', 'Agent', {'exchange_order_no': 'EX20240612011', 'return_tracking_no': 'SF1234567890', 'note': '运输破损换货_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': False, 'satisfaction_score': 2, 'customer_feedback': 'The replacement arrived cracked too; I want my money back.'}),
            ('reopen_review', 'Supervisor', {'reopen_reason': 'Replacement also damaged in transit.', 'remedy': 'refund', 'amount': 259, 'supervisor_note': 'Refund in full; do not send a third unit.'}),
            ('issue_refund', 'Agent', {'amount': 259, 'refund_reference': 'RF20240615004', 'signer': 'Supervisor Liu', 'note': '二次破损退款_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 4}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Lamps shipped without corner protection.', 'responsible_party': 'logistics_carrier', 'improvement': 'Packaging to add foam corners for lamps; claim the damage from the courier.', 'departments_notified': ['warehouse', 'logistics']}),
        ],
    },
    'G': {
        "title": 'front office escalates, the supervisor decides an exchange', "end": 'end_closed',
        "priority": 'high', "route": 'front_office', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Zhou Lin', 'contact': '13600004444', 'channel': 'store', 'complaint_class': 'product', 'complaint_subclass': 'culture', 'severity': 'severe', 'description': 'Sofa colour is clearly different from the photos.', 'damage': 'Sofa does not match the room.', 'demand': 'Take it back.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('handle_complaint', 'Agent', {'findings': 'Listing photos are over-saturated.', 'escalate': True, 'escalation_reason': 'Customer refuses partial compensation; bulky item needs a supervisor decision.'}),
            ('supervisor_review', 'Supervisor', {'remedy': 'exchange', 'amount': 0, 'supervisor_note': 'Exchange for the grey model, delivery at our cost.'}),
            ('arrange_exchange', 'Agent', {'exchange_order_no': 'EX20240613002', 'note': '色差换货_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 3}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Product photos not colour-calibrated.', 'responsible_party': 'other', 'improvement': 'Design team to re-shoot sofa photos under daylight.', 'departments_notified': ['design', 'operations']}),
        ],
    },
    'H': {
        "title": 'product safety, complaint group, refund', "end": 'end_closed', "priority": 'urgent',
        "route": 'complaint_group', "case_status": 'closed',
        "steps": [
            ('register_complaint', 'Agent', {'customer_name': 'Ma Li', 'contact': '13500005555', 'channel': 'letter', 'platform': 'taobao', 'order_no': 'TB20240603018', 'complaint_class': 'product', 'complaint_subclass': 'safety', 'severity': 'minor', 'description': 'Electric blanket controller got hot and smelled of burning on the first night.', 'damage': 'Scorch mark on the controller; customer afraid to use it.', 'demand': 'Refund and a safety check of the model.'}),
            ('check_acceptance', 'Agent', ACCEPT_ALL),
            ('group_handle_complaint', 'ComplaintGroup', {'findings': 'Same controller batch has two earlier overheating reports.', 'escalate': False, 'remedy': 'refund', 'amount': 159, 'customer_agreed': True, 'reply_to_customer': 'Called back the same day: full refund, no need to return the blanket, batch reported to quality.'}),
            ('issue_refund', 'Agent', {'amount': 159, 'refund_reference': 'RF20240604009', 'signer': 'Huilan', 'note': '安全问题退款_慧兰'}),
            ('confirm_satisfaction', 'Agent', {'satisfied': True, 'satisfaction_score': 5}),
            ('root_cause_note', 'ComplaintGroup', {'root_cause': 'Thermostat of controller batch 2405 trips too late.', 'responsible_party': 'supplier_or_manufacturer', 'improvement': 'Stop selling batch 2405, recall sold units, claim from the supplier.', 'departments_notified': ['quality', 'operations', 'supplier']}),
        ],
    },
}

REGISTER_OK = PATHS['B']['steps'][0][2]

REJECTED: list[tuple[str, dict, str]] = [
    ('register_complaint', {**REGISTER_OK, 'channel': 'fax'}, '`channel` not a listed channel'),
    ('register_complaint', {k: v for k, v in REGISTER_OK.items() if k != 'severity'}, '`severity` missing'),
    ('register_complaint', {**REGISTER_OK, 'customer_name': '   '}, 'blank `customer_name`'),
    ('register_complaint', {k: v for k, v in REGISTER_OK.items() if k != 'complaint_subclass'}, '`complaint_subclass` missing'),
    ('register_complaint', {**REGISTER_OK, 'complaint_class': 'price'}, '`complaint_class` neither product nor service'),
    ('register_complaint', {**REGISTER_OK, 'complaint_subclass': 'attitude'}, 'product complaint with a service subclass'),
    ('register_complaint', {**REGISTER_OK, 'complaint_class': 'service', 'complaint_subclass': 'safety', 'staff_involved': 'x'}, 'service complaint with a product subclass'),
    ('register_complaint', {**REGISTER_OK, 'complaint_class': 'service', 'complaint_subclass': 'etiquette'}, 'etiquette complaint without `staff_involved`'),
    ('register_complaint', {**REGISTER_OK, 'complaint_class': 'service', 'complaint_subclass': 'attitude', 'staff_involved': ' '}, 'blank `staff_involved`'),
    ('register_complaint', {**REGISTER_OK, 'channel': 'regulator'}, 'forwarded by a regulator without `forwarded_by`'),
    ('register_complaint', {**REGISTER_OK, 'platform': 'ebay'}, '`platform` not a listed platform'),
    ('check_acceptance', {'has_complainant': True, 'has_issue': True, 'has_damage': True, 'has_demand': True}, '`within_scope` missing'),
    ('check_acceptance', {**ACCEPT_ALL, 'has_complainant': 'yes'}, 'not a boolean'),
    ('reply_not_accepted', {'reply_text': 'Sorry.'}, '`reply_channel` missing'),
    ('handle_complaint', {'findings': 'x', 'escalate': True}, 'escalating without `escalation_reason`'),
    ('handle_complaint', {'findings': 'x', 'escalate': True, 'escalation_reason': ' '}, 'blank `escalation_reason`'),
    ('handle_complaint', {'findings': 'x', 'escalate': False, 'customer_agreed': True}, 'no `remedy` although not escalating'),
    ('handle_complaint', {'findings': 'x', 'escalate': False, 'remedy': 'refund', 'amount': 0, 'customer_agreed': True}, 'refund with amount 0'),
    ('handle_complaint', {'findings': 'x', 'escalate': False, 'remedy': 'compensation', 'customer_agreed': True}, 'compensation without amount'),
    ('handle_complaint', {'findings': 'x', 'escalate': False, 'remedy': 'exchange', 'customer_agreed': False}, 'customer did not agree: the agent must escalate'),
    ('handle_complaint', {'findings': 'x', 'remedy': 'exchange', 'customer_agreed': True}, '`escalate` missing'),
    ('handle_complaint', {'findings': 'x', 'escalate': False, 'remedy': 'exchange', 'amount': -5, 'customer_agreed': True}, 'negative amount'),
    ('group_handle_complaint', {'findings': 'x', 'escalate': False, 'remedy': 'exchange', 'customer_agreed': True}, 'complaint group without `reply_to_customer`'),
    ('group_handle_complaint', {'findings': 'x', 'escalate': False, 'remedy': 'refund', 'amount': 0, 'customer_agreed': True, 'reply_to_customer': 'ok'}, 'complaint group: refund with amount 0'),
    ('supervisor_review', {'remedy': 'compensation', 'amount': 0, 'supervisor_note': 'ok'}, 'compensation with amount 0'),
    ('supervisor_review', {'remedy': 'refund', 'amount': 10}, '`supervisor_note` missing'),
    ('supervisor_review', {'remedy': 'voucher', 'amount': 10, 'supervisor_note': 'ok'}, '`remedy` not a listed remedy'),
    ('issue_refund', {'amount': 0, 'refund_reference': 'RF1', 'signer': 'Huilan', 'note': '退款_慧兰'}, 'refund amount 0'),
    ('issue_refund', {'amount': 10, 'refund_reference': 'RF1', 'signer': 'Huilan', 'note': '退款'}, 'note not in "内容+客服姓名" form'),
    ('issue_refund', {'amount': 10, 'refund_reference': 'RF1', 'note': '退款_慧兰'}, '`signer` missing'),
    ('arrange_exchange', {'note': '换货_慧兰'}, '`exchange_order_no` missing'),
    ('pay_compensation', {'amount': 20, 'payment_reference': 'PAY1', 'note': '补偿_慧兰'}, 'compensation: `signer` missing'),
    ('pay_compensation', {'amount': 20, 'payment_reference': 'PAY1', 'signer': 'Huilan', 'note': '_慧兰'}, 'note has no content before the name'),
    ('confirm_satisfaction', {'satisfied': True, 'satisfaction_score': 6}, 'score above 5'),
    ('confirm_satisfaction', {'satisfied': True, 'satisfaction_score': 4.5}, 'score not an integer'),
    ('confirm_satisfaction', {'satisfied': False, 'satisfaction_score': 1}, 'dissatisfied without `customer_feedback`'),
    ('confirm_satisfaction', {'satisfaction_score': 5}, '`satisfied` missing'),
    ('reopen_review', {'reopen_reason': 'x', 'remedy': 'refund', 'supervisor_note': 'ok'}, '`amount` missing'),
    ('reopen_review', {'reopen_reason': 'x', 'remedy': 'refund', 'amount': 0, 'supervisor_note': 'ok'}, 'reopened: refund with amount 0'),
    ('root_cause_note', {'root_cause': 'x', 'responsible_party': 'nobody', 'improvement': 'y', 'departments_notified': ['quality']}, '`responsible_party` not a listed party'),
    ('root_cause_note', {'root_cause': 'x', 'responsible_party': 'warehouse', 'improvement': 'y', 'departments_notified': []}, 'no department informed'),
    ('root_cause_note', {'root_cause': 'x', 'responsible_party': 'warehouse', 'improvement': 'y'}, '`departments_notified` missing'),
]
