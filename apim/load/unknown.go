package load

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/apimlab/apimlab/apim"
)

// apiopsFiles are the file names of an APIOps artifact tree (extractor and
// publisher, Azure/apiops): information files of every entity kind, policy
// files, API specifications and link lists. apimlab reads some of them;
// the others hold entities the model has no place for and are known, not
// unknown.
var apiopsFiles = map[string]bool{
	"policy.xml": true, "apis.json": true, "groups.json": true, "tags.json": true,
	"apiInformation.json": true, "operationInformation.json": true, "apiDiagnosticInformation.json": true,
	"apiSchemaInformation.json": true, "apiReleaseInformation.json": true, "apiTagInformation.json": true,
	"backendInformation.json": true, "namedValueInformation.json": true, "productInformation.json": true,
	"productApiInformation.json": true, "productGroupInformation.json": true, "productTagInformation.json": true,
	"policyFragmentInformation.json": true, "loggerInformation.json": true, "diagnosticInformation.json": true,
	"gatewayInformation.json": true, "gatewayApiInformation.json": true, "groupInformation.json": true,
	"tagInformation.json": true, "versionSetInformation.json": true, "subscriptionInformation.json": true,
	"workspaceInformation.json": true, "serviceInformation.json": true, "authorizationServerInformation.json": true,
	"identityProviderInformation.json": true, "configuration.extractor.yaml": true,
}

// unknownFiles reports, once each, the JSON, XML and YAML files under an
// APIOps root that are not APIOps artifacts (an "api_information.json"
// that the publisher would ignore): an APIM903 issue of kind
// IssueUnknownFile at the file, with a did-you-mean for near misses.
func (b *builder) unknownFiles(root string) {
	var found []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable folders are reported by the walk that loads
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".json", ".xml", ".yaml", ".yml":
		default:
			return nil
		}
		if knownAPIOpsFile(name) {
			return nil
		}
		found = append(found, p)
		return nil
	})
	sort.Strings(found)
	for _, p := range found {
		name := filepath.Base(p)
		msg := "is not an APIOps artifact file name; the file was not loaded (the publisher ignores it too)"
		if s := suggestFile(name); s != "" {
			msg += "; did you mean " + s + "?"
		}
		is := apim.Errorf(apim.Position{File: p, Line: 1, Col: 1}, apim.UnknownProperty, "%s %s", name, msg)
		is.Kind = apim.IssueUnknownFile
		b.svc.Issues = append(b.svc.Issues, is)
	}
}

// knownAPIOpsFile reports whether name is a file name APIOps uses.
func knownAPIOpsFile(name string) bool {
	if apiopsFiles[name] {
		return true
	}
	low := strings.ToLower(name)
	if strings.HasPrefix(name, "specification.") {
		return true // the API definition, any format
	}
	if strings.HasPrefix(low, "configuration.") && (strings.HasSuffix(low, ".yaml") || strings.HasSuffix(low, ".yml")) {
		return true // environment overrides
	}
	return false
}

// suggestFile returns the APIOps file name name is a near miss of (other
// case, separators, or up to two edits), or "".
func suggestFile(name string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestD := "", 3
	for known := range apiopsFiles {
		if norm(known) == norm(name) {
			return known
		}
		if d := levenshtein.ComputeDistance(strings.ToLower(known), strings.ToLower(name)); d < bestD || d == bestD && known < best {
			best, bestD = known, d
		}
	}
	if bestD <= 2 {
		return best
	}
	return ""
}
