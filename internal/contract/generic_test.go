package contract_test

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gongdef "github.com/patchbay-dev/patchbay/integrations/gong"
	"github.com/patchbay-dev/patchbay/internal/integration"
)

// knownVendorHits are Gong identifiers still in generic packages that other
// work is moving out ("file: part of the token"). Each must go; the test
// fails if one is listed but no longer found, so the list only shrinks.
var knownVendorHits = []string{}

// known reports whether a hit is a listed exception, and which.
func known(hit string) (string, bool) {
	for _, k := range knownVendorHits {
		file, part, _ := strings.Cut(k, ": ")
		if strings.HasPrefix(hit, file+": ") && strings.Contains(hit, part) {
			return k, true
		}
	}
	return "", false
}

// The generic packages (everything under internal/ but the vendor emulators
// in internal/sandbox) hold no vendor's identifiers, strings or operation
// ids outside comments and tests, and the dashboard's templates no vendor
// name: what is Gong's lives in integrations/gong. Run it alone with
//
//	go test ./internal/contract -run TestGenericPackagesNameNoVendor
func TestGenericPackagesNameNoVendor(t *testing.T) {
	t.Parallel()
	in, err := integration.Load(gongdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for _, id := range in.OperationIDs() {
		ops[id] = true
	}
	root := filepath.Join("..", "..")
	var hits []string
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && (rel == "internal/sandbox" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".go":
			for _, tok := range vendorTokens(src, ops) {
				hits = append(hits, rel+": "+tok)
			}
		case ".html":
			// The dashboard's templates take names from the registry.
			for _, w := range vendorWords.FindAllString(string(src), -1) {
				hits = append(hits, rel+": "+w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, h := range hits {
		k, ok := known(h)
		if !ok {
			t.Errorf("vendor identifier in a generic package: %s", h)
		}
		found[k] = true
	}
	for _, k := range knownVendorHits {
		if !found[k] {
			t.Errorf("known exception %q is gone: remove it from knownVendorHits", k)
		}
	}
}

var (
	// vendorWords are Gong's name and the names of Gong's answer fields
	// that generic code once read.
	vendorWords = regexp.MustCompile(`(?i)gong|api_base_url_for_customer|totalRecords|currentPageNumber|records\.cursor`)
	// scopeLiteral is a Gong-style scope ("api:calls:read:basic").
	scopeLiteral = regexp.MustCompile(`\bapi:[a-z]`)
	wordRe       = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*`)
)

// vendorTokens lists the identifiers and literals of Go source (comments
// are skipped) that name Gong, a Gong scope or a Gong operation id.
func vendorTokens(src []byte, ops map[string]bool) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok != token.IDENT && tok != token.STRING && tok != token.CHAR {
			continue
		}
		hit := vendorWords.MatchString(lit)
		if tok != token.IDENT {
			// Operation ids and scopes are data: in code they would be
			// literals (a Go name such as listLogs may match by chance).
			hit = hit || scopeLiteral.MatchString(lit)
			for _, w := range wordRe.FindAllString(lit, -1) {
				hit = hit || ops[w]
			}
		}
		if hit {
			out = append(out, lit)
		}
	}
}
