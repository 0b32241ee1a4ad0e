package gong

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// crmRequest is an asynchronous CRM job: an LDJSON upload or an
// integration delete. Its status is a function of sandbox time:
// PENDING for crmPendingFor, IN_PROGRESS for crmProcessingFor, then DONE
// (or FAILED when no line of an upload was valid).
type crmRequest struct {
	integrationID, clientRequestID string
	kind                           string // upload, delete
	objectType                     string
	start                          time.Time
	objects                        map[string]CRMItem
	errors                         []lineError
	total                          int
}

type lineError struct {
	Line        int    `json:"line"`
	Description string `json:"description"`
}

func (r *crmRequest) status(now time.Time) string {
	switch asyncPhase(r.start, now, crmPendingFor, crmProcessingFor) {
	case 0:
		return "PENDING"
	case 1:
		return "IN_PROGRESS"
	}
	if r.kind == "upload" && len(r.objects) == 0 {
		return "FAILED"
	}
	return "DONE"
}

var crmObjectTypes = map[string]bool{"ACCOUNT": true, "CONTACT": true, "DEAL": true, "LEAD": true, "BUSINESS_USER": true, "STAGE": true}

// integration finds a live integration by the integrationId parameter,
// answering 400 itself when there is none. An integration whose delete
// has finished is gone.
func (x *exchange) integration() *CRMIntegration {
	id := x.query("integrationId")
	if id == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'integrationId' is missing")
		return nil
	}
	for _, ci := range x.s.company.CRMIntegrations {
		if ci.ID == id && !x.s.integrationDeleted(ci, x.now) {
			return ci
		}
	}
	x.fail(http.StatusBadRequest, "Integration "+id+" was not found")
	return nil
}

func (s *Sandbox) integrationDeleted(ci *CRMIntegration, now time.Time) bool {
	for _, r := range s.state.crmRequests {
		if r.kind == "delete" && r.integrationID == ci.ID && r.status(now) == "DONE" {
			return true
		}
	}
	return false
}

func (x *exchange) objectType(allowed map[string]bool) (string, bool) {
	t := x.query("objectType")
	if !allowed[t] {
		x.fail(http.StatusBadRequest, "objectType must be one of "+strings.Join(sortedKeys(allowed), ", "))
		return "", false
	}
	return t, true
}

// listCrmIntegrations serves GET /v2/crm/integrations.
func listCrmIntegrations(x *exchange) {
	type integ struct {
		IntegrationID int64  `json:"integrationId"`
		OwnerEmail    string `json:"ownerEmail"`
		Name          string `json:"name"`
	}
	out := []integ{}
	for _, ci := range x.s.company.CRMIntegrations {
		if !x.s.integrationDeleted(ci, x.now) {
			out = append(out, integ{id64(ci.ID), ci.OwnerEmail, ci.Name})
		}
	}
	x.json(http.StatusOK, struct {
		RequestID    string  `json:"requestId"`
		Integrations []integ `json:"integrations"`
	}{x.id, out})
}

// registerCrmIntegration serves PUT /v2/crm/integrations. A company has at
// most one active generic CRM integration: a second one is a 409.
func registerCrmIntegration(x *exchange) {
	var req struct {
		OwnerEmail string `json:"ownerEmail"`
		Name       string `json:"name"`
	}
	if !x.decode(&req) {
		return
	}
	if req.OwnerEmail == "" || req.Name == "" {
		x.fail(http.StatusBadRequest, "ownerEmail and name are required")
		return
	}
	for _, ci := range x.s.company.CRMIntegrations {
		if !x.s.integrationDeleted(ci, x.now) {
			x.fail(http.StatusConflict, "An active integration already exists (integrationId "+ci.ID+")")
			return
		}
	}
	ci := &CRMIntegration{ID: x.s.ids.next(), Name: req.Name, OwnerEmail: req.OwnerEmail, Created: x.now,
		Schemas: map[string][]CRMField{}, Objects: map[string]map[string]CRMItem{}}
	x.s.company.CRMIntegrations = append(x.s.company.CRMIntegrations, ci)
	x.json(http.StatusOK, struct {
		RequestID     string `json:"requestId"`
		IntegrationID int64  `json:"integrationId"`
	}{x.id, id64(ci.ID)})
}

// takeClientRequestID reserves a clientRequestId: reusing one is a 409.
func (x *exchange) takeClientRequestID(integrationID string) (string, bool) {
	crid := x.query("clientRequestId")
	if crid == "" {
		x.fail(http.StatusBadRequest, "Required parameter 'clientRequestId' is missing")
		return "", false
	}
	if _, dup := x.s.state.crmRequests[integrationID+"/"+crid]; dup {
		x.fail(http.StatusConflict, "Client request id has already been used: "+crid)
		return "", false
	}
	return crid, true
}

// deleteCrmIntegration serves DELETE /v2/crm/integrations: asynchronous,
// polled through /v2/crm/request-status.
func deleteCrmIntegration(x *exchange) {
	ci := x.integration()
	if ci == nil {
		return
	}
	crid, ok := x.takeClientRequestID(ci.ID)
	if !ok {
		return
	}
	x.s.state.crmRequests[ci.ID+"/"+crid] = &crmRequest{integrationID: ci.ID, clientRequestID: crid, kind: "delete", start: x.now}
	x.json(http.StatusCreated, struct {
		RequestID       string `json:"requestId"`
		ClientRequestID string `json:"clientRequestId"`
	}{x.id, crid})
}

// crmRequestStatus serves GET /v2/crm/request-status.
func crmRequestStatus(x *exchange) {
	id, crid := x.query("integrationId"), x.query("clientRequestId")
	if id == "" || crid == "" {
		x.fail(http.StatusBadRequest, "integrationId and clientRequestId are required")
		return
	}
	r := x.s.state.crmRequests[id+"/"+crid]
	if r == nil {
		x.fail(http.StatusBadRequest, "No request with clientRequestId "+crid+" for integration "+id)
		return
	}
	st := r.status(x.now)
	resp := struct {
		RequestID         string      `json:"requestId"`
		Status            string      `json:"status"`
		Errors            []lineError `json:"errors,omitempty"`
		TotalErrorCount   int         `json:"totalErrorCount"`
		TotalSuccessCount int         `json:"totalSuccessCount"`
	}{RequestID: x.id, Status: st}
	if st == "DONE" || st == "FAILED" {
		resp.TotalErrorCount, resp.TotalSuccessCount = len(r.errors), len(r.objects)
		resp.Errors = r.errors
		if len(resp.Errors) > 20 { // Gong reports at most 20 line errors
			resp.Errors = resp.Errors[:20]
		}
	}
	x.json(http.StatusOK, resp)
}

// uploadCrmData serves POST /v2/crm/entities: multipart part "dataFile"
// with one JSON object per line; integrationId, objectType and
// clientRequestId come in the query string (documented only in prose).
func uploadCrmData(x *exchange) {
	ci := x.integration()
	if ci == nil {
		return
	}
	ot, ok := x.objectType(crmObjectTypes)
	if !ok {
		return
	}
	crid, ok := x.takeClientRequestID(ci.ID)
	if !ok {
		return
	}
	file, _, err := x.r.FormFile("dataFile")
	if err != nil {
		x.fail(http.StatusBadRequest, "multipart/form-data with a 'dataFile' part is required")
		return
	}
	defer file.Close()
	req := &crmRequest{integrationID: ci.ID, clientRequestID: crid, kind: "upload", objectType: ot, start: x.now, objects: map[string]CRMItem{}}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		req.total++
		var obj map[string]any
		if err := json.Unmarshal([]byte(text), &obj); err != nil {
			req.errors = append(req.errors, lineError{line, "Invalid JSON: " + err.Error()})
			continue
		}
		id, _ := obj["objectId"].(string)
		if id == "" {
			req.errors = append(req.errors, lineError{line, "objectId is required"})
			continue
		}
		req.objects[id] = obj
	}
	if err := sc.Err(); err != nil {
		x.fail(http.StatusBadRequest, "Could not read dataFile: "+err.Error())
		return
	}
	x.s.state.crmRequests[ci.ID+"/"+crid] = req
	x.json(http.StatusCreated, struct {
		RequestID       string `json:"requestId"`
		ClientRequestID string `json:"clientRequestId"`
	}{x.id, crid})
}

// crmObjects is the integration's objects of a type, including uploads
// whose processing has finished.
func (s *Sandbox) crmObjects(ci *CRMIntegration, ot string, now time.Time) map[string]CRMItem {
	out := map[string]CRMItem{}
	for k, v := range ci.Objects[ot] {
		out[k] = v
	}
	var done []*crmRequest
	for _, r := range s.state.crmRequests {
		if r.kind == "upload" && r.integrationID == ci.ID && r.objectType == ot && r.status(now) == "DONE" {
			done = append(done, r)
		}
	}
	sort.Slice(done, func(i, j int) bool { return done[i].start.Before(done[j].start) })
	for _, r := range done {
		for k, v := range r.objects {
			out[k] = v
		}
	}
	return out
}

// getCrmObjects serves GET /v2/crm/entities: up to 100 objects by CRM id
// (objectsCrmIds repeated or comma separated).
func getCrmObjects(x *exchange) {
	ci := x.integration()
	if ci == nil {
		return
	}
	ot, ok := x.objectType(crmObjectTypes)
	if !ok {
		return
	}
	var ids []string
	for _, v := range x.r.URL.Query()["objectsCrmIds"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 || len(ids) > 100 {
		x.fail(http.StatusBadRequest, "objectsCrmIds must name between 1 and 100 objects")
		return
	}
	all := x.s.crmObjects(ci, ot, x.now)
	found := map[string]any{}
	for _, id := range ids {
		if o, ok := all[id]; ok {
			found[id] = o
		}
	}
	x.json(http.StatusOK, struct {
		RequestID     string         `json:"requestId"`
		CrmObjectsMap map[string]any `json:"crmObjectsMap"`
	}{x.id, found})
}

type crmFieldJSON struct {
	UniqueName       string   `json:"uniqueName"`
	Label            string   `json:"label"`
	Type             string   `json:"type"`
	LastModified     string   `json:"lastModified,omitempty"`
	IsDeleted        bool     `json:"isDeleted"`
	ReferenceTo      string   `json:"referenceTo,omitempty"`
	OrderedValueList []string `json:"orderedValueList,omitempty"`
}

var schemaObjectTypes = map[string]bool{"ACCOUNT": true, "CONTACT": true, "DEAL": true, "LEAD": true}

var crmFieldTypes = map[string]bool{"DATE": true, "DATETIME": true, "NUMBER": true, "PERCENT": true, "CURRENCY": true, "ID": true,
	"URL": true, "STRING": true, "BOOLEAN": true, "PHONENUMBER": true, "EMAILADDRESS": true, "PICKLIST": true, "REFERENCE": true, "STRINGARRAY": true}

// listCrmSchema serves GET /v2/crm/entity-schema.
func listCrmSchema(x *exchange) {
	ci := x.integration()
	if ci == nil {
		return
	}
	ot, ok := x.objectType(schemaObjectTypes)
	if !ok {
		return
	}
	fields := []crmFieldJSON{}
	for _, f := range ci.Schemas[ot] {
		fields = append(fields, crmFieldJSON{f.UniqueName, f.Label, f.Type, iso(f.LastModified), f.IsDeleted, f.ReferenceTo, f.OrderedValueList})
	}
	x.json(http.StatusOK, struct {
		RequestID                  string                    `json:"requestId"`
		ObjectTypeToSelectedFields map[string][]crmFieldJSON `json:"objectTypeToSelectedFields"`
	}{x.id, map[string][]crmFieldJSON{ot: fields}})
}

// uploadCrmSchema serves POST /v2/crm/entity-schema. The body is a
// top-level JSON array and replaces the whole field list.
func uploadCrmSchema(x *exchange) {
	ci := x.integration()
	if ci == nil {
		return
	}
	ot, ok := x.objectType(schemaObjectTypes)
	if !ok {
		return
	}
	var req []crmFieldJSON
	if !x.decode(&req) {
		return
	}
	var fields []CRMField
	for i, f := range req {
		if f.UniqueName == "" || f.Label == "" || !crmFieldTypes[f.Type] {
			x.fail(http.StatusBadRequest, fmt.Sprintf("field %d: uniqueName, label and a valid type are required", i))
			return
		}
		lm := x.now
		if t, ok := parseTime(f.LastModified); ok {
			lm = t
		}
		fields = append(fields, CRMField{UniqueName: f.UniqueName, Label: f.Label, Type: f.Type, LastModified: lm,
			IsDeleted: f.IsDeleted, ReferenceTo: f.ReferenceTo, OrderedValueList: f.OrderedValueList})
	}
	ci.Schemas[ot] = fields
	x.json(http.StatusCreated, struct {
		RequestID string `json:"requestId"`
	}{x.id})
}
