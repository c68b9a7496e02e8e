package ocds

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The OCDS schemas, shipped with the code (schema/ATTRIBUTION.md).
//
//go:embed schema/core/*.json schema/extensions/*/release-schema.json
var schemas embed.FS

// The URLs the core schemas are published at; the release package refers
// to the release schema by its.
const (
	releaseSchemaURL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
	packageSchemaURL = "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json"
)

// Validator checks releases and release packages against the release
// schema patched with the Lots and Techniques extensions, as OCDS
// extensions are applied (a JSON merge patch each).
type Validator struct {
	release, pkg *jsonschema.Schema
}

// NewValidator compiles the extended schemas.
func NewValidator() (*Validator, error) {
	load := func(name string) (map[string]any, error) {
		b, err := schemas.ReadFile("schema/" + name)
		if err != nil {
			return nil, err
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: not a JSON object", name)
		}
		return m, nil
	}
	release, err := load("core/release-schema.json")
	if err != nil {
		return nil, err
	}
	for _, ext := range []string{"lots", "techniques"} {
		patch, err := load("extensions/" + ext + "/release-schema.json")
		if err != nil {
			return nil, err
		}
		release = mergePatch(release, patch).(map[string]any)
	}
	pkg, err := load("core/release-package-schema.json")
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	if err := c.AddResource(releaseSchemaURL, release); err != nil {
		return nil, err
	}
	if err := c.AddResource(packageSchemaURL, pkg); err != nil {
		return nil, err
	}
	v := &Validator{}
	if v.release, err = c.Compile(releaseSchemaURL); err != nil {
		return nil, err
	}
	if v.pkg, err = c.Compile(packageSchemaURL); err != nil {
		return nil, err
	}
	return v, nil
}

// mergePatch applies an RFC 7396 JSON merge patch: objects merge key by
// key, null removes, anything else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	} else {
		t = maps.Clone(t)
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// Package validates a release package's JSON.
func (v *Validator) Package(data []byte) error { return validate(v.pkg, data) }

// Release validates one release's JSON.
func (v *Validator) Release(data []byte) error { return validate(v.release, data) }

func validate(s *jsonschema.Schema, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

// ReleasesOf splits a package's JSON into its releases' JSON, to validate
// one by one.
func ReleasesOf(pkg []byte) ([]json.RawMessage, error) {
	var p struct {
		Releases []json.RawMessage `json:"releases"`
	}
	err := json.Unmarshal(pkg, &p)
	return p.Releases, err
}
