package gong

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (s *Sandbox) userByEmail(email string) *User {
	for _, u := range s.company.Users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

func (s *Sandbox) flow(id string) *Flow {
	for _, f := range s.company.Flows {
		if f.ID == id {
			return f
		}
	}
	return nil
}

func (s *Sandbox) folder(id string) *FlowFolder {
	for _, f := range s.company.FlowFolders {
		if f.ID == id {
			return f
		}
	}
	return nil
}

type flowJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	FolderID     string `json:"folderId,omitempty"`
	FolderName   string `json:"folderName,omitempty"`
	Visibility   string `json:"visibility"`
	CreationDate string `json:"creationDate"`
	Exclusive    bool   `json:"exclusive"`
}

// visibleTo says whether a user sees an item owned by owner with this
// visibility: company and shared items are everyone's.
func visibleTo(email, owner, visibility string) bool {
	return visibility != "Personal" || strings.EqualFold(owner, email)
}

func (x *exchange) flowsPage(kind string, items []flowJSON) {
	from, to, rec, ok := x.page(kind, x.query("cursor"), len(items))
	if !ok {
		return
	}
	x.json(http.StatusOK, struct {
		RequestID string     `json:"requestId"`
		Records   Records    `json:"records"`
		Flows     []flowJSON `json:"flows"`
	}{x.id, rec, append([]flowJSON{}, items[from:to]...)})
}

// listFlows serves GET /v2/flows: the flows a user can use (their own
// and company or shared ones).
func listFlows(x *exchange) {
	email := x.query("flowOwnerEmail")
	if x.s.userByEmail(email) == nil {
		x.fail(http.StatusBadRequest, "flowOwnerEmail: no user with email '"+email+"'")
		return
	}
	ws, folder := x.query("workspaceId"), x.query("folderId")
	var items []flowJSON
	for _, f := range x.s.company.Flows {
		if !visibleTo(email, f.OwnerEmail, f.Visibility) || ws != "" && f.WorkspaceID != ws || folder != "" && f.FolderID != folder {
			continue
		}
		fj := flowJSON{ID: f.ID, Name: f.Name, FolderID: f.FolderID, Visibility: f.Visibility, CreationDate: iso(f.Created), Exclusive: f.Exclusive}
		if fo := x.s.folder(f.FolderID); fo != nil {
			fj.FolderName = fo.Name
		}
		items = append(items, fj)
	}
	x.flowsPage("flows", items)
}

// listFlowFolders serves GET /v2/flows/folders (answered in the same
// FlowsResponse shape the spec gives it).
func listFlowFolders(x *exchange) {
	email := x.query("flowFolderOwnerEmail")
	if x.s.userByEmail(email) == nil {
		x.fail(http.StatusBadRequest, "flowFolderOwnerEmail: no user with email '"+email+"'")
		return
	}
	ws, parent := x.query("workspaceId"), x.query("parentId")
	var items []flowJSON
	for _, f := range x.s.company.FlowFolders {
		if !visibleTo(email, f.OwnerEmail, f.Visibility) || ws != "" && f.WorkspaceID != ws || parent != "" && f.ParentID != parent {
			continue
		}
		fj := flowJSON{ID: f.ID, Name: f.Name, FolderID: f.ParentID, Visibility: f.Visibility, CreationDate: iso(f.Created)}
		if p := x.s.folder(f.ParentID); p != nil {
			fj.FolderName = p.Name
		}
		items = append(items, fj)
	}
	x.flowsPage("flow-folders", items)
}

type assignedFlowJSON struct {
	FlowID                    string `json:"flowId"`
	FlowName                  string `json:"flowName"`
	CrmProspectID             string `json:"crmProspectId"`
	FlowInstanceID            string `json:"flowInstanceId"`
	FlowInstanceOwnerEmail    string `json:"flowInstanceOwnerEmail"`
	FlowInstanceOwnerFullName string `json:"flowInstanceOwnerFullName"`
	FlowInstanceCreateDate    string `json:"flowInstanceCreateDate"`
	FlowInstanceStatus        string `json:"flowInstanceStatus"`
	WorkspaceID               string `json:"workspaceId"`
	Exclusive                 bool   `json:"exclusive"`
}

func (s *Sandbox) assignedJSON(fi *FlowInstance) assignedFlowJSON {
	f := s.flow(fi.FlowID)
	u := s.company.userByID[fi.OwnerUserID]
	return assignedFlowJSON{FlowID: f.ID, FlowName: f.Name, CrmProspectID: fi.ProspectCRMID, FlowInstanceID: fi.ID,
		FlowInstanceOwnerEmail: u.Email, FlowInstanceOwnerFullName: u.FullName(), FlowInstanceCreateDate: iso(fi.Created),
		FlowInstanceStatus: fi.Status, WorkspaceID: fi.WorkspaceID, Exclusive: f.Exclusive}
}

// liveInstances are the flow instances that exist at now (bulk
// assignments create theirs when the job completes).
func (s *Sandbox) liveInstances(now time.Time) []*FlowInstance {
	var out []*FlowInstance
	for _, fi := range s.company.FlowInstances {
		if !fi.Created.After(now) {
			out = append(out, fi)
		}
	}
	return out
}

// prospectsAssignedFlows serves POST /v2/flows/prospects.
func prospectsAssignedFlows(x *exchange) {
	var req struct {
		CrmProspectsIDs []string `json:"crmProspectsIds"`
		FlowInstanceIDs []string `json:"flowInstanceIds"`
	}
	if !x.decode(&req) {
		return
	}
	if len(req.CrmProspectsIDs) == 0 && len(req.FlowInstanceIDs) == 0 {
		x.fail(http.StatusBadRequest, "crmProspectsIds or flowInstanceIds is required")
		return
	}
	pros, inst := setOf(req.CrmProspectsIDs), setOf(req.FlowInstanceIDs)
	out := []assignedFlowJSON{}
	for _, fi := range x.s.liveInstances(x.now) {
		if pros[fi.ProspectCRMID] || inst[fi.ID] {
			out = append(out, x.s.assignedJSON(fi))
		}
	}
	x.json(http.StatusOK, struct {
		RequestID         string             `json:"requestId"`
		ProspectsAssigned []assignedFlowJSON `json:"prospectsAssigned"`
	}{x.id, out})
}

type assignRequest struct {
	CrmProspectsIDs        []string `json:"crmProspectsIds"`
	FlowID                 string   `json:"flowId"`
	FlowInstanceOwnerEmail string   `json:"flowInstanceOwnerEmail"`
	Overrides              *struct {
		CoolOffOverride bool `json:"coolOffOverride"`
	} `json:"overrides"`
}

type notAssignedJSON struct {
	FlowID        string `json:"flowId"`
	CrmProspectID string `json:"crmProspectId"`
	ErrorCode     string `json:"errorCode"`
	ErrorMessage  string `json:"errorMessage"`
}

func assignProspects(x *exchange)         { x.assign(false) }
func assignProspectsOverride(x *exchange) { x.assign(true) }

// flowAndOwner finds the flow and the user who will own its instances,
// answering 404 / 400 when either is unknown.
func (x *exchange) flowAndOwner(flowID, ownerEmail string) (*Flow, *User, bool) {
	f := x.s.flow(flowID)
	if f == nil {
		x.fail(http.StatusNotFound, "Flow not found: "+flowID)
		return nil, nil, false
	}
	owner := x.s.userByEmail(ownerEmail)
	if owner == nil {
		x.fail(http.StatusBadRequest, "flowInstanceOwnerEmail: no user with email '"+ownerEmail+"'")
		return nil, nil, false
	}
	return f, owner, true
}

// assign assigns up to 100 known prospects to a flow. A prospect already
// running in an exclusive flow, or in this flow, is refused (cool-off)
// unless the override variant is used.
func (x *exchange) assign(override bool) {
	var req assignRequest
	if !x.decode(&req) {
		return
	}
	if req.FlowID == "" || req.FlowInstanceOwnerEmail == "" || len(req.CrmProspectsIDs) == 0 {
		x.fail(http.StatusBadRequest, "crmProspectsIds, flowId and flowInstanceOwnerEmail are required")
		return
	}
	if len(req.CrmProspectsIDs) > 100 {
		x.fail(http.StatusBadRequest, "At most 100 prospects can be assigned per request")
		return
	}
	f, owner, ok := x.flowAndOwner(req.FlowID, req.FlowInstanceOwnerEmail)
	if !ok {
		return
	}
	if req.Overrides != nil && req.Overrides.CoolOffOverride {
		override = true
	}
	assigned, refused := []assignedFlowJSON{}, []notAssignedJSON{}
	for _, pid := range req.CrmProspectsIDs {
		if x.s.company.contactByID[pid] == nil {
			refused = append(refused, notAssignedJSON{f.ID, pid, "InvalidArgument", "Prospect " + pid + " was not found in the CRM"})
			continue
		}
		if why := x.s.busy(pid, f, x.now); why != "" && !override {
			refused = append(refused, notAssignedJSON{f.ID, pid, "InvalidState", why})
			continue
		}
		fi := &FlowInstance{ID: x.s.ids.next(), FlowID: f.ID, ProspectCRMID: pid, OwnerUserID: owner.ID, Status: "Pending",
			WorkspaceID: f.WorkspaceID, Created: x.now}
		x.s.company.FlowInstances = append(x.s.company.FlowInstances, fi)
		assigned = append(assigned, x.s.assignedJSON(fi))
	}
	x.json(http.StatusOK, struct {
		RequestID            string             `json:"requestId"`
		ProspectsAssigned    []assignedFlowJSON `json:"prospectsAssigned"`
		ProspectsNotAssigned []notAssignedJSON  `json:"prospectsNotAssigned"`
	}{x.id, assigned, refused})
}

// busy explains why a prospect cannot join flow f now ("" if it can).
func (s *Sandbox) busy(pid string, f *Flow, now time.Time) string {
	for _, fi := range s.liveInstances(now) {
		if fi.ProspectCRMID != pid || (fi.Status != "Running" && fi.Status != "Pending" && fi.Status != "Paused") {
			continue
		}
		if fi.FlowID == f.ID {
			return "The prospect is already active in this flow"
		}
		if other := s.flow(fi.FlowID); other != nil && (other.Exclusive || f.Exclusive) {
			return "The prospect is in cool-off: active in exclusive flow " + other.Name
		}
	}
	return ""
}

// bulkAssignment is an asynchronous Engage assignment job.
type bulkAssignment struct {
	id        string
	start     time.Time
	prospects []bulkProspect
	results   []bulkResult
}

type bulkProspect struct {
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	Email        string `json:"email,omitempty"`
	JobTitle     string `json:"jobTitle,omitempty"`
	LinkedInURL  string `json:"linkedInUrl,omitempty"`
	CrmID        string `json:"crmId,omitempty"`
	AccountCrmID string `json:"accountCrmId,omitempty"`
	CompanyName  string `json:"companyName,omitempty"`
}

type bulkResult struct {
	Prospect       bulkProspect `json:"prospect"`
	Status         string       `json:"status"`
	CrmID          string       `json:"crmId,omitempty"`
	FlowInstanceID string       `json:"flowInstanceId,omitempty"`
	ErrorCode      string       `json:"errorCode,omitempty"`
	ErrorMessage   string       `json:"errorMessage,omitempty"`
}

type bulkJSON struct {
	RequestID      string       `json:"requestId"`
	ID             string       `json:"id"`
	Status         string       `json:"status"`
	TotalCount     int          `json:"totalCount"`
	ProcessedCount int          `json:"processedCount"`
	SuccessCount   int          `json:"successCount"`
	FailedCount    int          `json:"failedCount"`
	Results        []bulkResult `json:"results,omitempty"`
}

// view renders the job as it stands at now: PENDING, IN_PROGRESS with half
// the prospects processed, then COMPLETED (FAILED if none was assigned).
func (b *bulkAssignment) view(reqID string, now time.Time) bulkJSON {
	v := bulkJSON{RequestID: reqID, ID: b.id, TotalCount: len(b.prospects)}
	done := 0
	switch asyncPhase(b.start, now, bulkPendingFor, bulkProcessingFor) {
	case 0:
		v.Status = "PENDING"
	case 1:
		v.Status, done = "IN_PROGRESS", len(b.results)/2
	default:
		v.Status, done = "COMPLETED", len(b.results)
	}
	v.ProcessedCount = done
	v.Results = b.results[:done]
	for _, r := range v.Results {
		if r.Status == "ASSIGNED" {
			v.SuccessCount++
		} else {
			v.FailedCount++
		}
	}
	if v.Status == "COMPLETED" && v.SuccessCount == 0 {
		v.Status = "FAILED"
	}
	return v
}

// submitBulkAssignment serves POST /v2/flows/prospects/bulk-assignments:
// 202 with a job id to poll. Prospects without a CRM id are created as
// leads when they have a name and an email.
func submitBulkAssignment(x *exchange) {
	var req struct {
		FlowInstanceOwnerEmail string         `json:"flowInstanceOwnerEmail"`
		FlowID                 string         `json:"flowId"`
		Prospects              []bulkProspect `json:"prospects"`
	}
	if !x.decode(&req) {
		return
	}
	if req.FlowID == "" || req.FlowInstanceOwnerEmail == "" || len(req.Prospects) == 0 {
		x.fail(http.StatusBadRequest, "flowInstanceOwnerEmail, flowId and prospects are required")
		return
	}
	if len(req.Prospects) > 50 {
		x.fail(http.StatusBadRequest, "At most 50 prospects can be submitted per bulk assignment")
		return
	}
	f, owner, ok := x.flowAndOwner(req.FlowID, req.FlowInstanceOwnerEmail)
	if !ok {
		return
	}
	b := &bulkAssignment{id: x.s.ids.next(), start: x.now, prospects: req.Prospects}
	completes := x.now.Add(bulkPendingFor + bulkProcessingFor)
	for i, p := range req.Prospects {
		r := bulkResult{Prospect: p}
		switch {
		case p.CrmID != "" && x.s.company.contactByID[p.CrmID] == nil:
			r.Status, r.ErrorCode, r.ErrorMessage = "CRM_OPERATION_FAILED", "CRM_OBJECT_NOT_FOUND", "No CRM prospect with id "+p.CrmID
		case p.CrmID == "" && (p.FirstName == "" || p.LastName == "" || p.Email == ""):
			r.Status, r.ErrorCode, r.ErrorMessage = "FLOW_ASSIGNMENT_FAILED", "INVALID_PROSPECT", "firstName, lastName and email are required without a crmId"
		default:
			r.CrmID = p.CrmID
			if r.CrmID == "" {
				r.CrmID = "00Q5g00000" + strconv.Itoa(100000+i) + b.id[:2]
			}
			if why := x.s.busy(r.CrmID, f, x.now); why != "" {
				r.Status, r.ErrorCode, r.ErrorMessage = "FLOW_ASSIGNMENT_FAILED", "COOL_OFF", why
				break
			}
			fi := &FlowInstance{ID: x.s.ids.next(), FlowID: f.ID, ProspectCRMID: r.CrmID, OwnerUserID: owner.ID, Status: "Pending",
				WorkspaceID: f.WorkspaceID, Created: completes}
			x.s.company.FlowInstances = append(x.s.company.FlowInstances, fi)
			r.Status, r.FlowInstanceID = "ASSIGNED", fi.ID
		}
		b.results = append(b.results, r)
	}
	x.s.state.bulkAssignments[b.id] = b
	x.json(http.StatusAccepted, b.view(x.id, x.now))
}

// getBulkAssignment serves GET /v2/flows/prospects/bulk-assignments/{id}.
func getBulkAssignment(x *exchange) {
	b := x.s.state.bulkAssignments[x.params["id"]]
	if b == nil {
		x.fail(http.StatusNotFound, "Bulk assignment "+x.params["id"]+" was not found")
		return
	}
	x.json(http.StatusOK, b.view(x.id, x.now))
}

func (x *exchange) unassigned(ids []string) {
	x.json(http.StatusOK, struct {
		RequestID                 string   `json:"requestId"`
		UnassignedFlowInstanceIDs []string `json:"unassignedFlowInstanceIds"`
	}{x.id, ids})
}

// removeInstances drops the live flow instances keep says no to.
func (s *Sandbox) removeInstances(now time.Time, drop func(*FlowInstance) bool) []string {
	removed := []string{}
	var kept []*FlowInstance
	for _, fi := range s.company.FlowInstances {
		if !fi.Created.After(now) && drop(fi) {
			removed = append(removed, fi.ID)
			continue
		}
		kept = append(kept, fi)
	}
	s.company.FlowInstances = kept
	return removed
}

// unassignByCrmID serves POST /v2/flows/prospects/unassign-flows-by-crm-id.
func unassignByCrmID(x *exchange) {
	var req struct {
		CrmProspectID string `json:"crmProspectId"`
		FlowID        string `json:"flowId"`
	}
	if !x.decode(&req) {
		return
	}
	if req.CrmProspectID == "" {
		x.fail(http.StatusBadRequest, "crmProspectId is required")
		return
	}
	x.unassigned(x.s.removeInstances(x.now, func(fi *FlowInstance) bool {
		return fi.ProspectCRMID == req.CrmProspectID && (req.FlowID == "" || fi.FlowID == req.FlowID)
	}))
}

// unassignByInstanceID serves POST /v2/flows/prospects/unassign-flows-by-instance-id.
func unassignByInstanceID(x *exchange) {
	var req struct {
		FlowInstanceIDs []string `json:"flowInstanceIds"`
	}
	if !x.decode(&req) {
		return
	}
	if len(req.FlowInstanceIDs) == 0 {
		x.fail(http.StatusBadRequest, "flowInstanceIds is required")
		return
	}
	want := setOf(req.FlowInstanceIDs)
	x.unassigned(x.s.removeInstances(x.now, func(fi *FlowInstance) bool { return want[fi.ID] }))
}

type flowStepJSON struct {
	ID        string `json:"id"`
	StepOrder int    `json:"stepOrder"`
	Action    string `json:"action"`
	Subject   string `json:"subject,omitempty"`
	Body      string `json:"body,omitempty"`
	IsReply   bool   `json:"isReply"`
}

type flowWithStepsJSON struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	FolderID     string         `json:"folderId"`
	Visibility   string         `json:"visibility"`
	CreationDate string         `json:"creationDate"`
	Exclusive    bool           `json:"exclusive"`
	Description  string         `json:"description,omitempty"`
	Steps        []flowStepJSON `json:"steps"`
}

// flowSteps serves POST /v2/flows/steps (up to 20 flows).
func flowSteps(x *exchange) {
	var req struct {
		FlowIDs []string `json:"flowIds"`
	}
	if !x.decode(&req) {
		return
	}
	if len(req.FlowIDs) == 0 || len(req.FlowIDs) > 20 {
		x.fail(http.StatusBadRequest, "flowIds must list between 1 and 20 flows")
		return
	}
	out := []flowWithStepsJSON{}
	for _, id := range req.FlowIDs {
		f := x.s.flow(id)
		if f == nil {
			x.fail(http.StatusNotFound, "Flow not found: "+id)
			return
		}
		fj := flowWithStepsJSON{ID: f.ID, Name: f.Name, FolderID: f.FolderID, Visibility: f.Visibility, CreationDate: iso(f.Created),
			Exclusive: f.Exclusive, Description: f.Description, Steps: []flowStepJSON{}}
		for _, st := range f.Steps {
			fj.Steps = append(fj.Steps, flowStepJSON{st.ID, st.Order, st.Action, st.Subject, st.Body, st.IsReply})
		}
		out = append(out, fj)
	}
	x.json(http.StatusOK, struct {
		RequestID string              `json:"requestId"`
		Flows     []flowWithStepsJSON `json:"flows"`
	}{x.id, out})
}
