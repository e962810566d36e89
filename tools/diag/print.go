package diag

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Format names an output format accepted by Write: "text", "json" or "sarif".
type Format string

// The output formats of Write.
const (
	Text  Format = "text"
	JSON  Format = "json"
	SARIF Format = "sarif"
)

// ParseFormat validates a --format value; its error names the accepted
// ones, never the value (it may be anything typed by mistake).
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON, SARIF:
		return f, nil
	}
	return "", errors.New("flag --format: unknown format (want text, json or sarif)")
}

// Write renders ds in format f to w. Text is one line per diagnostic,
// "file:line:col: severity rule: message", as compilers and vale print it.
// JSON is an array of Diagnostic objects. SARIF is a SARIF 2.1.0 log
// (OASIS SARIF v2.1.0, section 3) with one run whose tool is storyguard and
// whose rules are the rule ids present. The caller sorts ds first.
func Write(w io.Writer, f Format, ds []Diagnostic) error {
	switch f {
	case JSON:
		if ds == nil {
			ds = []Diagnostic{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ds)
	case SARIF:
		return writeSARIF(w, ds)
	default:
		for _, d := range ds {
			if _, err := fmt.Fprintln(w, d.String()); err != nil {
				return err
			}
		}
		return nil
	}
}

// String renders d as "file:line:col: severity rule: message"; a zero Line
// renders as "file: severity rule: message".
func (d Diagnostic) String() string {
	if d.Line == 0 {
		return fmt.Sprintf("%s: %s %s: %s", d.File, d.Severity, d.Rule, d.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s %s: %s", d.File, d.Line, d.Col, d.Severity, d.Rule, d.Message)
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID string `json:"id"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// sarifLevel maps a severity to SARIF's result.level (SARIF 2.1.0 §3.27.10).
func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

func writeSARIF(w io.Writer, ds []Diagnostic) error {
	var ids []string
	for _, d := range ds {
		if !slices.Contains(ids, d.Rule) {
			ids = append(ids, d.Rule)
		}
	}
	slices.Sort(ids)
	rules := make([]sarifRule, len(ids))
	for i, id := range ids {
		rules[i] = sarifRule{ID: id}
	}
	results := make([]sarifResult, 0, len(ds))
	for _, d := range ds {
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: d.File, URIBaseID: "%SRCROOT%"}}
		if d.Line > 0 {
			loc.Region = &sarifRegion{StartLine: d.Line, StartColumn: d.Col}
		}
		idx, _ := slices.BinarySearch(ids, d.Rule)
		results = append(results, sarifResult{
			RuleID:    d.Rule,
			RuleIndex: idx,
			Level:     sarifLevel(d.Severity),
			Message:   sarifMessage{Text: d.Message},
			Locations: []sarifLocation{{PhysicalLocation: loc}},
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "storyguard", Rules: rules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
