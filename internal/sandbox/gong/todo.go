package gong

import "net/http"

// Operations not yet emulated answer 501.
func dataForEmail(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func dataForPhone(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func eraseEmail(x *exchange) { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func erasePhone(x *exchange) { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func libraryFolders(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func libraryFolderContent(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func getCrmObjects(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func uploadCrmData(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listCrmSchema(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func uploadCrmSchema(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listCrmIntegrations(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func registerCrmIntegration(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func deleteCrmIntegration(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func crmRequestStatus(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listLogs(x *exchange)   { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func addMeeting(x *exchange) { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func updateMeeting(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func deleteMeeting(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func meetingIntegrationStatus(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listPermissionProfiles(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func getPermissionProfile(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func createPermissionProfile(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func updatePermissionProfile(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listPermissionProfileUsers(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func getUsersAccess(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func addUsersAccess(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func deleteUsersAccess(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listFlows(x *exchange) { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func listFlowFolders(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func prospectsAssignedFlows(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func assignProspects(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func assignProspectsOverride(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func submitBulkAssignment(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func getBulkAssignment(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func unassignByCrmID(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func unassignByInstanceID(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func flowSteps(x *exchange) { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func addDigitalInteraction(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func integrationSettings(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func engagementAction(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func engagementShared(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func engagementViewed(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listCoaching(x *exchange) {
	x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet")
}
func listTasks(x *exchange)  { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
func updateTask(x *exchange) { x.fail(http.StatusNotImplemented, "not implemented in the sandbox yet") }
