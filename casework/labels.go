package casework

import "strings"

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

var partyLabels = map[PartyKind]string{
	PartyIndividual:   "自然人",
	PartyOrganisation: "法人或者其他组织",
}

var penaltyLabels = map[PenaltyKind]string{
	PenaltyWarning:            "警告",
	PenaltyCriticism:          "通报批评",
	PenaltyFine:               "罚款",
	PenaltyConfiscateIncome:   "没收违法所得",
	PenaltyConfiscateProperty: "没收非法财物",
	PenaltySuspendLicence:     "暂扣许可证件",
	PenaltyRevokeLicence:      "吊销许可证件",
	PenaltyLowerQualification: "降低资质等级",
	PenaltyRestrictBusiness:   "限制开展生产经营活动",
	PenaltySuspendBusiness:    "责令停产停业",
	PenaltyClose:              "责令关闭",
	PenaltyRestrictPractice:   "限制从业",
}

var hearingLabels = map[Hearing]string{
	HearingNone:      "未听证",
	HearingRequested: "当事人申请听证",
	HearingHeld:      "已举行听证",
}

var flagLabels = map[Flag]string{
	FlagPublicInterest: "涉及重大公共利益",
	FlagSocialImpact:   "社会影响较大",
	FlagComplex:        "疑难复杂",
}

var checkItemLabels = map[CheckItem]string{
	CheckSubject:    "执法主体是否合法，执法人员是否具备执法资格",
	CheckProcedure:  "执法程序是否合法",
	CheckFacts:      "案件事实是否清楚，证据是否合法充分",
	CheckBasis:      "适用法律、法规、规章是否准确，裁量基准运用是否适当",
	CheckAuthority:  "执法是否超越执法机关法定权限",
	CheckDocuments:  "执法文书是否完备、规范",
	CheckCrimeTrans: "违法行为是否涉嫌犯罪、需要移送司法机关",
}

var findingLabels = map[Finding]string{
	FindingOK:      "符合",
	FindingProblem: "存在问题",
	FindingNA:      "不适用",
}

var outcomeLabels = map[Outcome]string{
	OutcomeAgree:    "同意",
	OutcomeProblems: "存在问题",
}

var resolutionLabels = map[Resolution]string{
	ResolutionProceed: "按审核通过的决定执行",
	ResolutionUphold:  "维持审核意见，整改后重新提交",
}

// Label is the Chinese name of the party kind, e.g. 法人或者其他组织.
func (k PartyKind) Label() string { return label(partyLabels, k) }

// Label is the Chinese name of the penalty kind, e.g. 罚款.
func (k PenaltyKind) Label() string { return label(penaltyLabels, k) }

// Label is the Chinese name of the hearing state.
func (h Hearing) Label() string { return label(hearingLabels, h) }

// Label is the Chinese name of the flag.
func (f Flag) Label() string { return label(flagLabels, f) }

// Label is the checklist item as the law words it (L5).
func (c CheckItem) Label() string { return label(checkItemLabels, c) }

// Label is the Chinese name of the finding: 符合, 存在问题, 不适用.
func (f Finding) Label() string { return label(findingLabels, f) }

// Label is the Chinese name of the outcome: 同意 or 存在问题.
func (o Outcome) Label() string { return label(outcomeLabels, o) }

// Label is what the head's resolution means, in Chinese.
func (r Resolution) Label() string { return label(resolutionLabels, r) }

// Label is the penalty as a ledger reads it, e.g. 罚款 200000 元（营业执照）.
func (p Penalty) Label() string {
	s := p.Kind.Label()
	if p.AmountYuan != "" {
		s += " " + string(p.AmountYuan) + " 元"
	}
	if p.Object != "" {
		s += "（" + p.Object + "）"
	}
	return s
}

// Describe is the decision in one line of Chinese, e.g.
// 行政处罚；当事人：法人或者其他组织；罚款 200000 元；未听证.
func (d Decision) Describe() string {
	parts := []string{d.Act.Label(), "当事人：" + d.PartyKind.Label()}
	for _, p := range d.Penalties {
		parts = append(parts, p.Label())
	}
	parts = append(parts, d.Hearing.Label())
	if d.CrimeTransfer {
		parts = append(parts, "涉嫌犯罪移送")
	}
	for _, f := range d.Flags {
		parts = append(parts, f.Label())
	}
	if d.Summary != "" {
		parts = append(parts, d.Summary)
	}
	return strings.Join(parts, "；")
}
