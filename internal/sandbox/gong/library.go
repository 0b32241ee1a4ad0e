package gong

import "net/http"

type libraryFolderJSON struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	ParentFolderID string `json:"parentFolderId,omitempty"`
	CreatedBy      string `json:"createdBy"`
	Updated        string `json:"updated"`
}

// libraryFolders serves GET /v2/library/folders. Live Gong answers 400
// without workspaceId although the spec marks it optional; so does this.
func libraryFolders(x *exchange) {
	ws := x.query("workspaceId")
	if ws == "" {
		x.fail(http.StatusBadRequest, "workspaceId is required")
		return
	}
	if x.s.workspace(ws) == nil {
		x.fail(http.StatusNotFound, "Workspace not found: "+ws)
		return
	}
	out := []libraryFolderJSON{}
	for _, f := range x.s.company.LibraryFolders {
		if f.WorkspaceID == ws {
			out = append(out, libraryFolderJSON{f.ID, f.Name, f.ParentID, f.CreatedBy, iso(f.Updated)})
		}
	}
	x.json(http.StatusOK, struct {
		RequestID string              `json:"requestId"`
		Folders   []libraryFolderJSON `json:"folders"`
	}{x.id, out})
}

type snippetJSON struct {
	FromSec int `json:"fromSec"`
	ToSec   int `json:"toSec"`
}

type libraryCallJSON struct {
	ID      string       `json:"id"`
	Title   string       `json:"title"`
	Note    string       `json:"note,omitempty"`
	AddedBy string       `json:"addedBy"`
	Created string       `json:"created"`
	URL     string       `json:"url"`
	Snippet *snippetJSON `json:"snippet,omitempty"`
}

// libraryFolderContent serves GET /v2/library/folder-content.
func libraryFolderContent(x *exchange) {
	id := x.query("folderId")
	if id == "" {
		x.fail(http.StatusBadRequest, "folderId is required")
		return
	}
	var f *LibraryFolder
	for _, lf := range x.s.company.LibraryFolders {
		if lf.ID == id {
			f = lf
		}
	}
	if f == nil {
		x.fail(http.StatusNotFound, "Folder not found: "+id)
		return
	}
	calls := []libraryCallJSON{}
	for _, lc := range f.Calls {
		c := x.s.company.callByID[lc.CallID]
		if c == nil {
			continue
		}
		cj := libraryCallJSON{ID: c.ID, Title: c.Title, Note: lc.Note, AddedBy: lc.AddedBy, Created: iso(lc.Added), URL: x.s.callURL(c.ID)}
		if lc.ToSec > 0 {
			cj.Snippet = &snippetJSON{lc.FromSec, lc.ToSec}
		}
		calls = append(calls, cj)
	}
	x.json(http.StatusOK, struct {
		RequestID string            `json:"requestId"`
		ID        string            `json:"id"`
		Name      string            `json:"name"`
		CreatedBy string            `json:"createdBy"`
		Updated   string            `json:"updated"`
		Calls     []libraryCallJSON `json:"calls"`
	}{x.id, f.ID, f.Name, f.CreatedBy, iso(f.Updated), calls})
}
