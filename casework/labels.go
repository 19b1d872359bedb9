package casework

// Chinese names of the coded values. Codes are what signed payloads carry
// (never renamed); the names are what a ledger, a report or a clerk reads.
// The app's zh-CN translations use the same names (a test keeps them equal).

var actLabels = map[ActType]string{
	ActPenalty:    "行政处罚",
	ActCoercion:   "行政强制",
	ActInspection: "行政检查",
	ActLevy:       "行政征收征用",
	ActLicensing:  "行政许可",
}

var phaseLabels = map[Phase]string{
	PhaseInitiation:    "启动",
	PhaseInvestigation: "调查取证",
	PhaseDecision:      "审核决定",
	PhaseExecution:     "送达执行",
}

var stepLabels = map[StepKind]string{
	StepOnSiteInspection: "现场检查",
	StepInterview:        "询问",
	StepSampling:         "抽样",
	StepPreservation:     "先行登记保存",
	StepSeizure:          "查封扣押",
	StepForcedDemolition: "强制拆除",
	StepHearing:          "听证",
	StepDecision:         "决定",
	StepService:          "送达",
	StepExecution:        "执行",
}

var roleLabels = map[Role]string{
	RoleOfficer:    "执法人员",
	RoleClerk:      "证据管理员",
	RoleReviewer:   "法制审核人员",
	RoleHead:       "负责人",
	RolePublisher:  "公示管理员",
	RoleSupervisor: "执法监督人员",
	RoleAdmin:      "系统管理员",
}

var requirementLabels = map[Requirement]string{
	AVMandatory: "应全程音像记录",
	AVSuggested: "建议音像记录",
	AVNone:      "无要求",
}

// label returns the name of code, or the code itself when it has none (a
// value from a later version is shown as it is, never hidden).
func label[K ~string](names map[K]string, code K) string {
	if n, ok := names[code]; ok {
		return n
	}
	return string(code)
}

// Label is the Chinese name of the act type, e.g. 行政处罚.
func (a ActType) Label() string { return label(actLabels, a) }

// Label is the Chinese name of the phase, e.g. 调查取证.
func (p Phase) Label() string { return label(phaseLabels, p) }

// Label is the Chinese name of the step kind, e.g. 查封扣押.
func (k StepKind) Label() string { return label(stepLabels, k) }

// Label is the Chinese name of the role, e.g. 法制审核人员.
func (r Role) Label() string { return label(roleLabels, r) }

// Label is the Chinese name of what the AV list asks, e.g. 应全程音像记录.
func (r Requirement) Label() string { return label(requirementLabels, r) }
