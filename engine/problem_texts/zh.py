"""The model problems' words in Chinese, the pages' default (keys and placeholders as in
``en.py``; a ``detail`` carrying the sandbox's or a library's English may stay English)."""
from __future__ import annotations

TEXTS: dict[str, str] = {
    # engine/lint.py
    "no_process": "文件中没有 <bpmn:process>：没有可运行的流程。",
    "reserved_id": "编号「{id}」是引擎给自己的步骤用的，这个元素会顶替它们，流程将无法运行：请换一个编号。",
    "invalid_service_task.not_service": "「{label}」是外部任务（camunda:type），Flowdesk 只在服务任务上运行外部任务：请把它改成服务任务。",
    "invalid_service_task.detail": "服务任务「{label}」：{detail}。",
    "invalid_service_task.no_operation": "服务任务「{label}」既没有指定操作（spiffworkflow:serviceTaskOperator），也没有供外部工作者领取的主题（camunda:type=\"external\" camunda:topic=\"…\"）。",
    "unassigned_user_task": "{kind}「{label}」不在任何泳道中，也没有明确指派，谁都看不到它：请把它放进泳道，或给它设置 assignee、assigneeVariable 或 candidateGroups 属性。",
    "missing_form": "用户任务「{label}」使用表单「{form}」，但本次部署中没有这个表单。",
    "invalid_timer": "定时器「{label}」：{reason}",
    "timer.empty": "{kind} 表达式为空。",
    "timer.none": "没有设置时间：请在属性中选择类型（日期、时长或周期）并填写。",
    "timer.unquoted": "{kind} 表达式 {expr} 没有加引号。定时器表达式是 Python，ISO 8601 的值必须写成字符串：\"{expr}\"。",
    "timer.unevaluable": "{kind} 表达式 {expr} 无法求值：{detail}。",
    "timer.not_string": "{kind} 表达式必须得出 ISO 8601 字符串，而不是 {type}。",
    "timer.not_iso": "「{value}」不是有效的 ISO 8601 {kind} 值。",
    "timer.words": "「{value}」是文字写的时长（SLA 策略可以这样写），BPMN 定时器要用 ISO 8601：请写成 \"{iso}\"。",
    "timer.past": "时间「{value}」已经过去，它不会再发起任何案件：请填写一个将来的时间，或改用周期。",
    "missing_decision.unnamed": "业务规则任务「{label}」没有指定决策（spiffworkflow:calledDecisionId）。",
    "missing_decision.unknown": "业务规则任务「{label}」调用 DMN 决策「{decision}」，但本次部署中没有定义它的 DMN 文件。",
    "call_unnamed": "调用活动「{label}」没有指定要调用的流程（calledElement）：请在属性中填写被调用流程的 ID。",
    "missing_process": "调用活动「{label}」调用流程「{process}」，但本次部署中没有这个流程。",
    "invalid_script": "「{label}」的{kind}被沙箱拒绝：第 {at} 行：{detail}",
    # engine/lint_unsupported.py
    "unsupported.element": "「{label}」：{reason}",
    "unsupported.handler": "「{label}」是补偿处理器：{reason}",
    "unsupported_gateway": "不支持复杂网关：请改用包容网关（在其连线上写条件）或排他网关。",
    "unsupported_ad_hoc": "不支持自由子流程（ad-hoc）：引擎走到它时会出错。请改用嵌入子流程，其中的任务接在包容网关之后。",
    "unsupported_data_store": "不支持数据存储（引擎没有可读写的存储）：请把数据放在流程变量或数据对象中。",
    "unsupported_compensation": "不支持补偿：引擎无法撤销已完成的工作，这个事件什么也不会做。请把撤销画成错误或升级路径上的任务。",
    "unsupported_link_event": "不支持链接事件：引擎会在抛出处结束这条路径，永远到不了捕获处。请直接画顺序流。",
    "cancel_outside_transaction.boundary": "取消边界事件「{label}」不在事务上：只有事务可以被取消。",
    "cancel_outside_transaction.end": "取消结束事件「{label}」不在事务内：引擎会把它当作普通结束事件。请使用普通结束事件或错误结束事件。",
    "not_throwable": "中间抛出事件「{label}」抛出的是{kind}，它不能在途中抛出：引擎会直接跳过。要等待请用中间捕获事件（错误请用结束事件）。",
    "untriggered_event_subprocess": "事件子流程「{label}」以普通开始事件开始：流程一启动引擎就会运行它。请给它的开始事件一个触发器（定时器、消息、信号、错误、升级或条件）。",
    "start_trigger_outside_event_subprocess": "开始事件「{label}」等待{kind}，只有事件子流程的开始事件才能这样：引擎会在这里立即开始。",
    "untriggered_boundary": "边界事件「{label}」没有触发器：请给它定时器、消息、信号、错误、升级或条件。",
    "unevaluated_condition": "条件事件「{label}」接在事件网关之后，或除条件外还有其他触发器：引擎在那里永远不会计算这个条件。请改用条件边界事件，或单独的中间条件捕获事件。",
    "implicit_split": "「{label}」有 {count} 条流出的顺序流；引擎只在网关处分支：请在它后面加并行网关（走所有路径），或排他、包容网关（按条件选择路径）。",
    "condition_on_task_flow": "「{label}」流出的连线上有条件，引擎会忽略它（这条连线总会被走）：请在它后面加一个排他网关。",
    "message_missing": "{kind}「{label}」没有指定消息（messageRef）：引擎会直接跳过它。",
    # engine/lint_references.py
    "event_reference.missing": "「{label}」没有指定{kind}（{attribute}）：它会永远等待，或什么也不发出。请在属性中选择{kind}。",
    "event_reference.unknown": "「{label}」引用的{kind}「{ref}」在本文件中没有定义。请定义它，或选择已定义的{kind}。",
    "boundary_unattached": "边界事件「{label}」附着在「{ref}」上，但它不是所在流程或子流程中的活动：这个边界事件永远不会触发。请把它放到任务或子流程的边框上。",
    "flow_dangling.source": "顺序流「{label}」的起点「{ref}」不是所在流程或子流程中的元素。请把它连到一个元素上。",
    "flow_dangling.target": "顺序流「{label}」的终点「{ref}」不是所在流程或子流程中的元素。请把它连到一个元素上。",
    "loop_without_gateway": "「{label}」处在一个不经过任何网关的顺序流循环中：永远无法离开。请经由一个排他网关画回去，并让该网关的另一条连线继续向前。",
    # engine/lint_recursion.py
    "recursive_call": "流程「{process}」中的调用活动「{label}」调用了{how}：每个实例都会无休止地启动自己的副本。请在流程内部循环，或用消息启动新实例。",
    "recursive_call.itself": "它自己",
    "recursive_call.through": "「{called}」，而后者又调用「{process}」",
    # engine/xml_safety.py
    "not_xml.empty": "文件是空的。",
    "not_xml.malformed": "这不是格式正确的 XML：{detail}",
    "forbidden_dtd": "模型中不允许 DOCTYPE 和 ENTITY 声明（它们会带来实体膨胀和外部实体攻击）。",
    "forbidden_dtd.doctype": "模型中不允许 DOCTYPE 声明。",
    # engine/parsing.py
    "unsupported_file": "只能部署 .bpmn、.dmn 和 .json（表单）文件。",
    "no_bpmn": "一次部署至少需要一个 .bpmn 文件。",
    "invalid_form.json": "表单不是有效的 JSON：{detail}",
    "invalid_form.schema": "表单在 {where} 处不是有效的 JSON Schema：{detail}",
    "invalid_form.not_object": "表单不是有效的 JSON Schema：表单必须是一个 JSON 对象（JSON Schema）。",
    "no_process.none_found": "没有找到可执行的流程。",
    "no_process.unmarked": "没有任何流程标记为 isExecutable=\"true\"。",
    "no_process.not_executable": "流程「{process}」不是本次部署中的可执行流程（找到的是：{found}）。",
    "ambiguous": "有多个可执行流程（{processes}）：请分别部署，或指定要启动的那一个。",
    "invalid_model.spiff": "引擎（SpiffWorkflow）校验模型未通过：{detail}",
    "invalid_model.too_long": "流程中连续的元素太多，引擎读不下去（它在这里放弃了，离开始处已有几百个元素）：请把这条链拆成子流程或调用活动。",
    "invalid_model.not_implemented": "引擎无法按所画的样子运行这个元素（SpiffWorkflow {version} 不支持它）。",
    "invalid_model.schema": "模型未通过 Schema 校验：{detail}",
    "invalid_timer.start_schedule": "定时器开始事件的表达式在没有流程数据时无法求值（{detail}）：请给它一个固定的 ISO 8601 值，例如 \"R/P1D\"。",
    # engine/start_form.py
    "missing_form.start": "开始事件「{label}」使用表单「{form}」，但本次部署中没有这个表单。",
    # engine/form_i18n.py
    "invalid_catalogue.json": "语言目录不是有效的 JSON：{detail}",
    "invalid_catalogue.shape": "语言目录必须是一个 JSON 对象，包含 \"tasks\" 和 \"forms\" 两个对象。",
    # engine/status_profile.py
    "invalid_user_status.json": "不是有效的 JSON：{detail}",
    "invalid_user_status.shape": "需要一个包含 'type_variable'、'initial'、'transitions' 的对象。",
    "invalid_user_status.transitions": "'transitions' 要把每个案件类型映射为 {status: [后续状态]}。",
    "invalid_user_status.initial": "'initial' 要为 'transitions' 中的每个案件类型指定起始状态。",
    "invalid_user_status.aliases": "'aliases' 要把其他写法映射为规范的状态。",
    "invalid_user_status.unmentioned": "类型 {type} 从 {status} 开始，但它的状态流转中都没有提到这个状态。",
    # services/definitions.py
    "not_utf8": "文件不是 UTF-8 文本（{detail}）。",
    "invalid_sla": "不是有效的 JSON：{detail}",
    # services/scenarios/spec.py：流程包的场景文件（tests/），部署时检查
    "scenario_file.unreadable": "无法读取为场景文件：{detail}",
    "scenario_file.not_mapping": "场景文件必须是一个包含 name、start 和 steps 的映射。",
    "scenario_file.unknown_keys": "未知的键 {keys}（场景文件可用的键：name、process、start、steps、"
                                  "mocks、script_tests）。",
    "scenario_file.field_not_mapping": "`{field}` 必须是一个映射。",
    "scenario_file.step_kind": "第 {number} 步必须以 {kinds} 之一开头；实际为 {got}",
    "scenario_file.script_test": "脚本测试需要 `element`（以及 inputs、expect）。",
}

WORDS: dict[str, str] = {
    "userTask": "用户任务", "manualTask": "人工任务", "task": "任务",
    "sendTask": "发送任务", "receiveTask": "接收任务",
    "script": "脚本", "condition": "条件",
    "timer": "定时器", "conditional": "条件", "error": "错误", "cancel": "取消",
    "escalation": "升级", "message": "消息", "signal": "信号",
}
