package benchmarks

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Params are the parameters a benchmark control gives its check.
type Params map[string]any

// String returns a string parameter ("" when absent).
func (p Params) String(k string) string {
	s, _ := p[k].(string)
	return s
}

// Bool returns a boolean parameter (false when absent).
func (p Params) Bool(k string) bool {
	b, _ := p[k].(bool)
	return b
}

// Int returns an integer parameter (0 when absent). YAML and JSON numbers
// arrive as float64 or int depending on the decoder; both are accepted.
func (p Params) Int(k string) int {
	switch v := p[k].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// Mode returns an octal file-mode parameter such as "0600".
func (p Params) Mode(k string) uint32 {
	m, _ := strconv.ParseUint(p.String(k), 8, 32)
	return uint32(m)
}

// List returns a comma-list parameter, trimmed, without empty items.
func (p Params) List(k string) []string {
	return SplitList(p.String(k))
}

// SplitList splits a comma-separated value, trimming blanks.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Parameter types a check can declare.
const (
	TypeString = "string"
	TypeBool   = "bool"
	TypeInt    = "int"
	// TypeOctal is a file mode written as a string, e.g. "0644".
	TypeOctal = "octal"
	// TypeList is a comma-separated string; Enum, when set, constrains
	// every item.
	TypeList = "list"
)

// ParamSpec describes one parameter of a check.
type ParamSpec struct {
	// Name is the key in the control's params map.
	Name string `json:"name"`
	// Type is one of the Type* constants.
	Type string `json:"type"`
	// Required parameters must be present.
	Required bool `json:"required,omitempty"`
	// Enum lists the accepted values of a string (or of each item of a
	// list) parameter.
	Enum []string `json:"enum,omitempty"`
	// Wording marks a parameter that only words the outcome (what a
	// reviewer is asked to look at) and never changes the verdict. Tests
	// that pin a check's verdict per parameter set ignore it.
	Wording bool `json:"wording,omitempty"`
	// Doc says what the parameter does.
	Doc string `json:"doc"`
}

// CheckSpec is the public face of a registered check: its name, what it
// decides and its parameter schema.
type CheckSpec struct {
	// ID names the check for what it checks, e.g. "file.mode" or
	// "apiserver.anonymous-auth-disabled". The part before the first dot
	// names the engine for API checks (rbac.*, workloads.*).
	ID string `json:"id"`
	// Doc says what the check decides.
	Doc string `json:"doc"`
	// Params is the parameter schema.
	Params []ParamSpec `json:"params,omitempty"`
}

// Validate checks params against the schema: unknown keys, missing
// required keys, wrong types and values outside an enum are errors.
func (c CheckSpec) Validate(p Params) error {
	known := map[string]ParamSpec{}
	for _, s := range c.Params {
		known[s.Name] = s
	}
	for k := range p {
		if _, ok := known[k]; !ok {
			return fmt.Errorf("check %s has no parameter %q", c.ID, k)
		}
	}
	for _, s := range c.Params {
		v, ok := p[s.Name]
		if !ok {
			if s.Required {
				return fmt.Errorf("check %s needs parameter %q", c.ID, s.Name)
			}
			continue
		}
		if err := s.check(c.ID, v); err != nil {
			return err
		}
	}
	return nil
}

func (s ParamSpec) check(check string, v any) error {
	switch s.Type {
	case TypeBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("check %s parameter %q must be a boolean, not %v", check, s.Name, v)
		}
	case TypeInt:
		switch n := v.(type) {
		case int, int64:
		case float64:
			if n != float64(int(n)) {
				return fmt.Errorf("check %s parameter %q must be an integer, not %v", check, s.Name, v)
			}
		default:
			return fmt.Errorf("check %s parameter %q must be an integer, not %v", check, s.Name, v)
		}
	case TypeString, TypeOctal, TypeList:
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("check %s parameter %q must be a string, not %v", check, s.Name, v)
		}
		if s.Type == TypeOctal {
			if _, err := strconv.ParseUint(str, 8, 32); err != nil {
				return fmt.Errorf("check %s parameter %q=%q is not an octal mode", check, s.Name, str)
			}
		}
		items := []string{str}
		if s.Type == TypeList {
			items = SplitList(str)
			if len(items) == 0 {
				return fmt.Errorf("check %s parameter %q is an empty list", check, s.Name)
			}
		}
		for _, it := range items {
			if len(s.Enum) > 0 && !slices.Contains(s.Enum, it) {
				return fmt.Errorf("check %s parameter %q=%q is not one of %s", check, s.Name, it, strings.Join(s.Enum, ", "))
			}
		}
	default:
		return fmt.Errorf("check %s parameter %q has unknown type %q", check, s.Name, s.Type)
	}
	return nil
}

// Verdict returns params without the Wording parameters of spec: the
// parameters that can change the check's verdict. Two controls with the
// same check and equal Verdict params decide alike.
func (c CheckSpec) Verdict(p Params) Params {
	out := Params{}
	for k, v := range p {
		wording := false
		for _, s := range c.Params {
			if s.Name == k && s.Wording {
				wording = true
			}
		}
		if !wording {
			out[k] = v
		}
	}
	return out
}

// Key renders params as "k=v, k=v" in key order: a stable identity of a
// parameter set, used to compare and to print them.
func (p Params) Key() string {
	keys := slices.Sorted(maps.Keys(p))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, p[k])
	}
	return strings.Join(parts, ", ")
}
