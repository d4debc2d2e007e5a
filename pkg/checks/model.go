// Package checks is the node engine: the registry of checks that decide a
// benchmark's node controls from a node's host evidence (CIS sections 1–4,
// the STIG's node rules), our own KH- node controls, and their evaluation. Everything
// here is a pure function over evidence: no package in checks ever talks to
// a cluster. The result model lives in pkg/report; the names below let the
// controls use it without a qualifier.
package checks

import "github.com/kubectl-harden/kubectl-harden/pkg/report"

// Result-model names used throughout this package.
type (
	Status       = report.Status
	Role         = report.Role
	Control      = report.Control
	Observation  = report.Observation
	Outcome      = report.Outcome
	Result       = report.Result
	TargetReport = report.TargetReport
)

const (
	StatusPass  = report.StatusPass
	StatusFail  = report.StatusFail
	StatusWarn  = report.StatusWarn
	StatusInfo  = report.StatusInfo
	StatusNA    = report.StatusNA
	StatusError = report.StatusError

	RoleControlPlane = report.RoleControlPlane
	RoleEtcd         = report.RoleEtcd
	RoleWorker       = report.RoleWorker
	RoleCluster      = report.RoleCluster

	BenchmarkHarden = report.BenchmarkHarden
)

var (
	// NewResult joins a control, a target and an outcome.
	NewResult = report.NewResult
	// Summarize counts a list of results.
	Summarize = report.Summarize
	// CompareIDs orders control IDs.
	CompareIDs = report.CompareIDs
)
