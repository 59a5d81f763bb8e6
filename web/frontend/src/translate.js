/* bpmn-js's translate service in the page's language: Chinese for the labels Flowdesk's
 * designers meet most (the panel's standard groups and Flowdesk's own), English otherwise. */
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
};

export default function translateModule(locale) {
  const table = String(locale || "").toLowerCase().startsWith("zh") ? ZH : {};
  function translate(template, replacements) {
    const text = table[template] || template;
    return text.replace(/{([^}]+)}/g, (whole, key) =>
      (replacements && key in replacements ? String(replacements[key]) : whole));
  }
  return { translate: ["value", translate] };
}
