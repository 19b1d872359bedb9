package casework

import (
	"fmt"
	"slices"
	"time"
)

// Shanghai is the zone enforcement times and working days are counted in.
// China has kept UTC+8 without daylight saving since 1991, so a fixed zone
// needs no tz database on the terminal.
var Shanghai = time.FixedZone("CST", 8*60*60)

// Phase is one of the four phases of an enforcement act (DOMAIN.md R1).
type Phase string

// The phases, in the order a case moves through them.
const (
	PhaseInitiation    Phase = "initiation"    // 启动
	PhaseInvestigation Phase = "investigation" // 调查取证
	PhaseDecision      Phase = "decision"      // 审核决定
	PhaseExecution     Phase = "execution"     // 送达执行
)

// Phases lists the phases in order.
var Phases = []Phase{PhaseInitiation, PhaseInvestigation, PhaseDecision, PhaseExecution}

// CheckAdvance says whether a case in phase from may move to phase to.
// Cases only move forward. Skipping a phase is allowed (an inspection that
// finds nothing closes without a decision); going back is not: a mistake is
// corrected by a new event, never by rewinding the record.
func CheckAdvance(from, to Phase) error {
	fi, ti := slices.Index(Phases, from), slices.Index(Phases, to)
	switch {
	case ti < 0:
		return fmt.Errorf("unknown phase %q", to)
	case fi < 0:
		return fmt.Errorf("case is in unknown phase %q", from)
	case ti <= fi:
		return fmt.Errorf("case cannot move from %s back or sideways to %s", from, to)
	}
	return nil
}

// ActType is the kind of administrative enforcement act.
type ActType string

// The acts the work plan covers.
const (
	ActPenalty    ActType = "penalty"    // 行政处罚
	ActCoercion   ActType = "coercion"   // 行政强制
	ActInspection ActType = "inspection" // 行政检查
	ActLevy       ActType = "levy"       // 行政征收征用
	ActLicensing  ActType = "licensing"  // 行政许可
)

// ActTypes lists the act types.
var ActTypes = []ActType{ActPenalty, ActCoercion, ActInspection, ActLevy, ActLicensing}

// StepKind is the kind of a step within a case.
type StepKind string

// The step kinds of this first model; later work extends the list.
const (
	StepOnSiteInspection StepKind = "onsite_inspection"     // 现场检查
	StepInterview        StepKind = "interview"             // 询问
	StepSampling         StepKind = "sampling"              // 抽样
	StepPreservation     StepKind = "evidence_preservation" // 先行登记保存
	StepSeizure          StepKind = "seizure"               // 查封扣押
	StepForcedDemolition StepKind = "forced_demolition"     // 强制拆除
	StepHearing          StepKind = "hearing"               // 听证
	StepDecision         StepKind = "decision"              // 决定
	StepService          StepKind = "service"               // 送达
	StepExecution        StepKind = "execution"             // 执行
)

// stepPhase is the phase each step kind belongs to.
var stepPhase = map[StepKind]Phase{
	StepOnSiteInspection: PhaseInvestigation,
	StepInterview:        PhaseInvestigation,
	StepSampling:         PhaseInvestigation,
	StepPreservation:     PhaseInvestigation,
	StepSeizure:          PhaseInvestigation,
	StepForcedDemolition: PhaseExecution,
	StepHearing:          PhaseDecision,
	StepDecision:         PhaseDecision,
	StepService:          PhaseExecution,
	StepExecution:        PhaseExecution,
}

// PhaseOf returns the phase a step kind belongs to.
func PhaseOf(k StepKind) (Phase, error) {
	p, ok := stepPhase[k]
	if !ok {
		return "", fmt.Errorf("unknown step kind %q", k)
	}
	return p, nil
}
