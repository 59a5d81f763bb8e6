/* bpmn-js's translate service in the page's language: Chinese for what a designer meets (the
 * palette, the context pad, the replace menu, the properties panel's header and groups and
 * Flowdesk's own), English otherwise. Element kinds ("Timer boundary event
 * (non-interrupting)", the panel's "Timer Boundary Event (Non Interrupting)") are put together
 * from their parts (KINDS, TRIGGERS), whatever their capitals. */
const ZH = {
  "General": "常规", "Name": "名称", "ID": "标识 (ID)", "Documentation": "说明",
  "Element documentation": "元素说明", "Process documentation": "流程说明",
  "Process ID": "流程 ID", "Process name": "流程名称", "Executable": "可执行",
  "Timer": "定时器", "Type": "类型", "Value": "值", "Date": "日期", "Duration": "时长",
  "Cycle": "周期", "<none>": "<无>", "Multi-instance": "多实例",
  "Loop cardinality": "循环次数", "Completion condition": "完成条件",
  "Message": "消息", "Signal": "信号", "Escalation": "升级", "Error": "错误",
  "Form": "表单", "(no form)": "(无表单)",
  "The JSON-schema form staff fill in to complete the task.": "员工完成任务时填写的 JSON-schema 表单。",
  "Assignment": "分配", "Candidate groups": "候选组",
  "Comma-separated groups that may claim the task. Empty: the task's lane.": "可认领任务的组,用逗号分隔。留空: 任务所在泳道。",
  "Assignee": "处理人", "A user name: the task goes straight to this user.": "用户名: 任务直接分配给该用户。",
  "Assignee variable": "处理人变量",
  "A process variable holding the user name (e.g. dedicated_agent).": "保存用户名的流程变量 (如 dedicated_agent)。",
  "Candidate groups variable": "候选组变量",
  "A process variable holding a group name or a list of groups.": "保存组名或组列表的流程变量。",
  "Scripts": "脚本", "Script (Python)": "脚本 (Python)",
  "Runs in Flowdesk's sandbox: no imports, no files, a time limit.": "在 Flowdesk 沙箱中运行: 不能 import, 不能访问文件, 有时间限制。",
  "Before the task (pre-script)": "任务前 (前置脚本)", "After the task (post-script)": "任务后 (后置脚本)",
  "Decision": "决策", "Decision id (DMN)": "决策 ID (DMN)",
  "The id of a decision in one of the definition's .dmn files.": "本定义中某个 .dmn 文件里的决策 ID。",
  "Condition": "条件", "Condition (Python expression)": "条件 (Python 表达式)",
  "The flow is taken when this is true, e.g. severity == \"high\". Empty: the default or an unconditional flow.": "为真时走这条连线, 如 severity == \"high\"。留空: 默认或无条件连线。",
  "Collection (multi-instance)": "集合 (多实例)", "Input collection": "输入集合",
  "The list variable: one instance per item.": "列表变量: 每一项一个实例。",
  "Item variable": "元素变量", "Each instance finds its item in this variable.": "每个实例从此变量取得自己的那一项。",
  "Output collection": "输出集合", "The list variable the results are gathered in.": "收集各实例结果的列表变量。",
  "Result variable": "结果变量", "Each instance leaves its result in this variable.": "每个实例把结果放在此变量中。",
  "Case numbers": "案件编号", "Case number prefix": "案件编号前缀",
  "Cases get numbers like TS202611240001.": "案件编号形如 TS202611240001。",
  // the palette and the context pad (bpmn-js, diagram-js)
  "Activate hand tool": "抓手工具 (平移画布)", "Activate lasso tool": "套索工具 (框选元素)",
  "Activate create/remove space tool": "空间工具 (插入或移除空间)",
  "Activate global connect tool": "连线工具", "Create start event": "创建开始事件",
  "Create intermediate/boundary event": "创建中间/边界事件", "Create end event": "创建结束事件",
  "Create gateway": "创建网关", "Create task": "创建任务",
  "Create expanded sub-process": "创建展开的子流程", "Create data object reference": "创建数据对象",
  "Create data store reference": "创建数据存储", "Create pool/participant": "创建池/参与者",
  "Create group": "创建分组", "Append end event": "追加结束事件", "Append gateway": "追加网关",
  "Append task": "追加任务", "Append intermediate/boundary event": "追加中间/边界事件",
  "Append receive task": "追加接收任务",
  "Append message intermediate catch event": "追加消息中间捕获事件",
  "Append timer intermediate catch event": "追加定时器中间捕获事件",
  "Append signal intermediate catch event": "追加信号中间捕获事件",
  "Append conditional intermediate catch event": "追加条件中间捕获事件",
  "Append compensation activity": "追加补偿活动", "Add text annotation": "添加文字注释",
  "Change element": "更改类型", "Delete": "删除", "Connect to other element": "连接到其他元素",
  "Connect using association": "用关联连接", "Connect using data input association": "用数据输入关联连接",
  "Add lane above": "在上方添加泳道", "Add lane below": "在下方添加泳道",
  "Divide into two lanes": "分成两条泳道", "Divide into three lanes": "分成三条泳道",
  "Align elements": "对齐元素", "Distribute elements horizontally": "水平均匀分布",
  "Distribute elements vertically": "垂直均匀分布", "Search in diagram": "在图中搜索",
  "Open {element}": "打开 {element}", "Toggle non-interrupting": "切换非中断",
  "Loop": "循环", "Parallel multi-instance": "并行多实例", "Sequential multi-instance": "串行多实例",
  "Collection": "集合", "Participant multiplicity": "参与者多重性",
  // kinds that are not put together from parts (lower case: see kind())
  "collaboration": "协作", "process": "流程", "participant": "参与者 (池)",
  "empty pool/participant": "空的池/参与者", "expanded pool/participant": "展开的池/参与者",
  "lane": "泳道", "task": "任务", "user task": "用户任务", "service task": "服务任务",
  "script task": "脚本任务", "business rule task": "业务规则任务", "send task": "发送任务",
  "receive task": "接收任务", "manual task": "手工任务", "call activity": "调用活动",
  "sub-process": "子流程", "sub process": "子流程", "sub-process (collapsed)": "子流程 (折叠)",
  "sub-process (expanded)": "子流程 (展开)", "collapsed sub process": "折叠的子流程",
  "expanded sub process": "展开的子流程", "event sub-process": "事件子流程",
  "event sub process": "事件子流程", "ad-hoc sub-process": "自由子流程",
  "ad-hoc sub-process (collapsed)": "自由子流程 (折叠)", "ad-hoc sub-process (expanded)": "自由子流程 (展开)",
  "transaction": "事务", "exclusive gateway": "排他网关", "parallel gateway": "并行网关",
  "inclusive gateway": "包容网关", "complex gateway": "复杂网关", "event-based gateway": "事件网关",
  "event based gateway": "事件网关", "event based instantiating gateway": "事件网关 (实例化)",
  "parallel event based instantiating gateway": "并行事件网关 (实例化)",
  "sequence flow": "顺序流", "conditional flow": "条件顺序流", "default flow": "默认顺序流",
  "message flow": "消息流", "association": "关联", "text annotation": "文字注释",
  "data object reference": "数据对象", "data store reference": "数据存储", "group": "分组",
  "data input association": "数据输入关联", "data output association": "数据输出关联",
};

// Events: "<trigger> <kind>", "(non-interrupting)" after; e.g. Timer Boundary Event.
const TRIGGERS = {
  "message": "消息", "timer": "定时器", "signal": "信号", "error": "错误", "escalation": "升级",
  "conditional": "条件", "compensation": "补偿", "compensate": "补偿", "cancel": "取消",
  "link": "链接", "terminate": "终止", "none": "",
};
const KINDS = {
  "start event": "开始事件", "end event": "结束事件", "boundary event": "边界事件",
  "intermediate catch event": "中间捕获事件", "intermediate throw event": "中间抛出事件",
  "intermediate event": "中间事件",
};

/* The Chinese for an element kind, or null. */
function kind(text) {
  let key = text.toLowerCase().replace(/\s+/g, " ").trim();
  let suffix = "";
  const open = key.match(/^(.*) \(non[ -]interrupting\)$/);
  if (open) { key = open[1]; suffix = " (非中断)"; }
  if (key in ZH) return ZH[key] + suffix;
  for (const [name, zh] of Object.entries(KINDS)) {
    if (key === name) return zh + suffix;
    if (key.endsWith(" " + name)) {
      const trigger = key.slice(0, -name.length - 1);
      if (trigger in TRIGGERS) return TRIGGERS[trigger] + zh + suffix;
    }
  }
  return null;
}

export default function translateModule(locale) {
  const table = String(locale || "").toLowerCase().startsWith("zh") ? ZH : {};
  function translate(template, replacements) {
    const text = table[template] || (table === ZH && kind(template)) || template;
    return text.replace(/{([^}]+)}/g, (whole, key) =>
      (replacements && key in replacements ? String(replacements[key]) : whole));
  }
  return { translate: ["value", translate] };
}
