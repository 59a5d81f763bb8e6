"""The refusals' words in Chinese, the pages' default (keys and placeholders as in ``en.py``)."""
from __future__ import annotations

TEXTS: dict[str, str] = {
    # tasks
    "task.not_found": "没有编号为 {task} 的任务。",
    "task.not_in_group": "任务 {task} 属于「{group}」组，「{user}」不在该组。",
    "task.not_open": "任务 {task} 的状态为「{state}」，已不能办理。",
    "task.changed": "任务 {task} 刚被他人修改，请刷新后再试。",
    "task.claimed": "任务 {task} 已被「{user}」认领。",
    "task.claim_members_only": "只有「{group}」组的成员才能认领任务 {task}。",
    "task.not_claimed": "任务 {task} 尚未被认领。",
    "task.unclaim_refused": "任务 {task} 由「{user}」认领；只有本人或主管可以释放。",
    "task.claimed_by_other": "任务 {task} 已由「{user}」认领。",
    "task.complete_members_only": "只有「{group}」组的成员才能完成任务 {task}。",
    "task.instance_ended": "任务 {task} 所属的流程实例状态为「{status}」。",
    "task.assign_not_yours": "任务 {task} 不在你名下，不能转交：只有处理人或主管可以改派（未认领的任务请先认领）。",
    "task.assign_not_member": "「{user}」不在该任务的「{group}」组；请让主管指派。",
    "task.unknown_user": "没有名为「{user}」的在用账号。",
    "task.escalate_reason": "请说明升级的原因。",
    "task.escalate_refused": "只有任务 {task} 的处理人（未认领时为其所在组）或主管可以升级它。",
    "task.escalate_not_open": "任务 {task} 的状态为「{state}」；只有未完成的任务可以升级。",
    "task.sort_unknown": "不能按「{key}」排序；可用 {keys}（前加「-」为降序）。",
    "task.time_zone": "不认识的时区「{zone}」。",
    # visibility and roles
    "case.not_yours": "「{user}」没有经办案件 {instance}（未持有其任务，所在组的泳道中也没有）；"
                      "可按案件编号、订单号或客户电话查询脱敏摘要（GET /api/v1/lookup）。",
    "process.start_refused": "「{user}」不能发起「{process}」：只有 {allowed} 可以发起，而该用户不属于其中任何一个。",
    "role.required": "此操作需要以下角色之一：{roles}；「{user}」的角色：{has}。",
    # instances
    "process.not_deployed": "没有已部署的流程「{process}」。",
    "process.version_not_deployed": "流程「{process}」没有已部署的第 {version} 版。",
    "case.no_such_related": "没有可关联的案件 {case}。",
    "instance.not_found": "没有编号为 {instance} 的流程实例。",
    "instance.already_ended": "流程实例 {instance} 的状态已是「{status}」。",
    "instance.not_in_error": "流程实例 {instance} 的状态为「{status}」，并未出错。",
    "instance.variables_ended": "流程实例 {instance} 的状态为「{status}」：变量不能再修改。",
    "instance.variables_in_error": "流程实例 {instance} 出错了：请带着更正后的变量重试它。",
    "instance.changed": "流程实例 {instance} 刚被他人修改，请刷新后重试。",
    "instance.start_data": "流程需要启动数据「{name}」，Flowdesk 不提供（可用：{known}）。",
    # customers, cases and lookup
    "customer.unknown": "没有编号为 {customer} 的客户。",
    "customer.not_found": "没有编号为 {customer} 的客户。",
    "customer.code_taken": "客户编码「{code}」已存在。",
    "customer.not_yours": "「{user}」没有经办客户 {customer} 的任何案件，不能{doing}其档案；"
                          "主管可以，或按案件编号查询脱敏摘要。",
    "customer.doing.read": "查看",
    "customer.doing.change": "修改",
    "lookup.one_key": "请只用案件编号、订单号、电话中的一项查询案件。",
    "search.query": "请输入要查找的内容：案件编号、业务编号、订单号、客户姓名或电话（1 到 {max} 个字）。",
    # definitions and process groups
    "definition.deploy_race": "该流程的另一次部署恰好同时完成；请重试。",
    "definition.not_found": "没有编号为 {definition} 的流程定义。",
    "group.designers_only": "只有流程组「{group}」的设计人员和管理员可以{doing}；「{user}」不是其中之一（由管理员添加设计人员）。",
    "group.doing.deploy": "部署「{process}」的新版本",
    "group.doing.deploy_new": "把新流程「{process}」部署到该组",
    "group.doing.read_xml": "查看「{process}」的模型",
    "group.process_elsewhere": "流程「{process}」属于流程组「{group}」；管理员可用 "
                               "PUT /api/v1/admin/process-keys/{process} 移动它。",
    "group.no_such_choice": "没有流程组「{group}」；可选：{choices}。",
    "group.designs_none": "「{user}」不是任何流程组的设计人员，不能部署新流程；由管理员把设计人员加入流程组。",
    "group.name_one": "请为新流程指定流程组（process_group）：{choices} 之一。",
    "group.bad_name": "流程组名称为 1 到 100 个字母、数字、「_」、「-」或「.」。",
    "group.exists": "流程组「{group}」已存在。",
    "group.not_designer": "「{user}」不是流程组「{group}」的设计人员。",
    "group.process_not_deployed": "没有已部署的流程「{process}」。",
    "group.no_such": "没有流程组「{group}」。",
    "group.not_found": "没有流程组「{group}」。",
    "group.user_not_found": "没有用户「{user}」。",
    "group.not_a_designer_role": "「{user}」既没有设计人员角色也没有管理员角色；请先授予设计人员角色"
                                 "（flowdesk users create {user} --role designer）。",
    # field messages
    "field.not_group_member": "不是该任务所在组的成员",
    "field.unknown_user": "没有这个用户",
    "field.not_blank": "不能为空",
    "field.unknown_sort": "不认识的排序字段 {key}",
    "field.time_zone": "不是 IANA 时区名称",
    "field.unknown_case": "没有这个案件",
    "field.unknown_customer": "没有这个客户",
    "field.code_taken": "已被使用",
    "field.one_of_lookup": "只能填写案件编号、订单号、电话中的一项",
    "field.length_between": "1 到 {max} 个字",
    "field.process_elsewhere": "「{process}」属于「{group}」",
    "field.no_such_group": "没有这个流程组",
    "field.group_required": "必填：你是多个流程组的设计人员",
    "field.group_name": "字母、数字、「_」、「-」、「.」",
}

# state and status words of tasks and instances, said after the thing ("任务 5 已完成")
WORDS: dict[str, str] = {
    "open": "待处理", "claimed": "已认领", "completed": "已完成", "cancelled": "已取消",
    "running": "运行中", "waiting": "等待中", "error": "出错",
}
