package load

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/internal/textfile"
)

// APIOps artifact folders (Azure/apiops extractor output) keep one folder per
// entity with an information JSON file and policy.xml files.
var apiopsMarkers = []string{"backends", "apis", "products", "named values", "policy fragments", "workspaces", "policy.xml"}

// isAPIOps reports whether dir looks like an APIOps artifact root.
func isAPIOps(dir string) bool {
	hits := 0
	for _, m := range apiopsMarkers {
		if _, err := os.Stat(filepath.Join(dir, m)); err == nil {
			hits++
		}
	}
	// A bare policy.xml is not enough; one entity folder is.
	if hits == 1 {
		_, err := os.Stat(filepath.Join(dir, "policy.xml"))
		return err != nil
	}
	return hits > 0
}

// loadAPIOps adds every entity of an APIOps artifact folder.
func (b *builder) loadAPIOps(root string, ws string) error {
	if p := filepath.Join(root, "policy.xml"); exists(p) && ws == "" {
		if err := b.policyFile(p, apim.ScopeGlobal, "global", func(d *apim.PolicyDoc) { b.svc.Policy = d }); err != nil {
			return err
		}
	}
	if err := b.eachEntity(root, "backends", "backendInformation.json", func(name, info string) error {
		if info == "" {
			b.missingInfo(root, "backends", name, "backendInformation.json")
			return nil
		}
		return b.infoResource(info, "backends", []string{name}, ws)
	}); err != nil {
		return err
	}
	if err := b.eachEntity(root, "named values", "namedValueInformation.json", func(name, info string) error {
		if info == "" {
			b.missingInfo(root, "named values", name, "namedValueInformation.json")
			return nil
		}
		return b.infoResource(info, "namedvalues", []string{name}, ws)
	}); err != nil {
		return err
	}
	if err := b.eachEntity(root, "policy fragments", "policyFragmentInformation.json", func(name, info string) error {
		frag := &apim.Fragment{Name: name, Workspace: ws, Pos: apim.Position{File: filepath.Join(root, "policy fragments", name)}}
		if info != "" {
			node, err := b.parseJSON(info)
			if err != nil {
				return err
			}
			frag.Pos = node.PositionWithPath()
			frag.Description = b.dec.str(node.Get("properties"), "description")
		}
		b.svc.Fragments = append(b.svc.Fragments, frag)
		p := filepath.Join(root, "policy fragments", name, "policy.xml")
		if !exists(p) {
			return nil
		}
		return b.policyFile(p, apim.ScopeFragment, name, func(d *apim.PolicyDoc) { frag.Policy = d })
	}); err != nil {
		return err
	}
	if err := b.eachEntity(root, "products", "productInformation.json", func(name, info string) error {
		if info != "" {
			if err := b.infoResource(info, "products", []string{name}, ws); err != nil {
				return err
			}
		}
		prod := b.productNamed(name, ws, apim.Position{File: filepath.Join(root, "products", name)})
		if p := filepath.Join(root, "products", name, "apis.json"); exists(p) {
			node, err := b.parseJSON(p)
			if err != nil {
				return err
			}
			for _, e := range node.Elems() {
				api := e.Text()
				if api == "" {
					api = e.Get("name").Text()
				}
				if api != "" {
					prod.APIs = append(prod.APIs, api)
					a := b.apiNamed(api, ws, e.Position())
					a.Products = append(a.Products, name)
				}
			}
		}
		if p := filepath.Join(root, "products", name, "policy.xml"); exists(p) {
			return b.policyFile(p, apim.ScopeProduct, name, func(d *apim.PolicyDoc) { prod.Policy = d })
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.eachEntity(root, "apis", "apiInformation.json", func(name, info string) error {
		if info != "" {
			if err := b.infoResource(info, "apis", []string{name}, ws); err != nil {
				return err
			}
		}
		api := b.apiNamed(name, ws, apim.Position{File: filepath.Join(root, "apis", name)})
		if p := filepath.Join(root, "apis", name, "policy.xml"); exists(p) {
			if err := b.policyFile(p, apim.ScopeAPI, name, func(d *apim.PolicyDoc) { api.Policy = d }); err != nil {
				return err
			}
		}
		return b.eachEntity(filepath.Join(root, "apis", name), "operations", "operationInformation.json", func(op, info string) error {
			if info != "" {
				if err := b.infoResource(info, "apis/operations", []string{name, op}, ws); err != nil {
					return err
				}
			}
			o := b.operationNamed(api, op, apim.Position{File: filepath.Join(root, "apis", name, "operations", op)})
			if p := filepath.Join(root, "apis", name, "operations", op, "policy.xml"); exists(p) {
				return b.policyFile(p, apim.ScopeOperation, name+"/"+op, func(d *apim.PolicyDoc) { o.Policy = d })
			}
			return nil
		})
	}); err != nil {
		return err
	}
	if ws == "" {
		return b.eachEntity(root, "workspaces", "workspaceInformation.json", func(name, _ string) error {
			b.svc.Workspaces = append(b.svc.Workspaces, name)
			return b.loadAPIOps(filepath.Join(root, "workspaces", name), name)
		})
	}
	return nil
}

// eachEntity calls fn for every sub-folder of root/kind, with the path of its
// information file ("" when absent).
func (b *builder) eachEntity(root, kind, infoName string, fn func(name, info string) error) error {
	dir := filepath.Join(root, kind)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		info := filepath.Join(dir, e.Name(), infoName)
		if !exists(info) {
			info = ""
		}
		if err := fn(e.Name(), info); err != nil {
			return err
		}
	}
	return nil
}

// missingInfo records an entity folder without the information file that
// defines the entity (the APIOps publisher skips such a folder, so the
// entity is not deployed): an APIM901 issue naming the folder.
func (b *builder) missingInfo(root, kind, name, infoName string) {
	dir := filepath.Join(root, kind, name)
	// Point at a file of the folder when there is one (a policy.xml
	// without its information file), so that the finding has a line.
	pos := apim.Position{File: dir, Line: 1, Col: 1}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if e.Type().IsRegular() {
				pos.File = filepath.Join(dir, e.Name())
				break
			}
		}
	}
	b.dec.issue(pos, apim.Malformed, "%s/%s has no %s: the folder defines no entity and is skipped", kind, name, infoName)
}

// infoResource loads an APIOps information file as a resource of kind.
func (b *builder) infoResource(path, kind string, names []string, ws string) error {
	node, err := b.parseJSON(path)
	if err != nil {
		return err
	}
	if node.Kind == jsontree.Null {
		return nil // a parse error was recorded
	}
	if node.Kind != jsontree.Object {
		b.dec.issue(node.Position(), apim.Malformed, "%s: expected a JSON object", filepath.Base(path))
		return nil
	}
	if ws == "" && len(names) == 1 {
		node = b.env.override(kind, names[0], node)
	}
	b.add(&resource{Kind: kind, Names: names, Workspace: ws, Node: node, Pos: node.PositionWithPath()})
	return nil
}

// policyFile reads a policy XML file into a PolicyDoc and hands it to set.
func (b *builder) policyFile(path string, scope apim.Scope, owner string, set func(*apim.PolicyDoc)) error {
	data, err := textfile.ReadFile(path)
	if err != nil {
		return err
	}
	b.svc.Sources = append(b.svc.Sources, path)
	set(&apim.PolicyDoc{Scope: scope, Owner: owner, Format: "rawxml", XML: string(data),
		Pos: apim.Position{File: path, Line: 1, Col: 1}})
	return nil
}

// parseJSON reads and parses a JSON file; a syntax error becomes an APIM901
// issue (the file is skipped, loading goes on) and a nil node.
func (b *builder) parseJSON(path string) (*jsontree.Value, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Streamed: the file's bytes are never all in memory (36 MB for a
	// 40,000-backend template, issue 16). A read error is not an
	// *apim.Error and is returned as os.ReadFile's would have been.
	r, err := textfile.NewReader(f)
	if err != nil {
		return nil, err
	}
	node, err := jsontree.ParseReader(path, r)
	var ae *apim.Error
	if err != nil && !errors.As(err, &ae) {
		return nil, err
	}
	b.svc.Sources = append(b.svc.Sources, path)
	if ae != nil {
		b.svc.Issues = append(b.svc.Issues, ae)
		return &jsontree.Value{Kind: jsontree.Null, Pos: jsontree.At(ae.Pos)}, nil
	}
	return node, nil
}

// exists reports whether p is a regular file (a named pipe or a device in
// an artifact folder is not read: it could block forever).
func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
