package gong

import (
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"time"
)

// gen carries the generator's random source and the company being built.
type gen struct {
	r    *mrand.Rand
	ids  *idGen
	now  time.Time // the generation anchor: the start of the sandbox's day (UTC)
	c    *Company
	size companySize
}

// companySize is how big the generated company is.
type companySize struct {
	salesTeams, aesPerTeam int
	sdrTeams, sdrsPerTeam  int
	ses                    int
	csTeams, csmsPerTeam   int
	ops, former            int
	calls                  int // calls over the last 180 days
	extraAccounts          bool
}

// realisticSize is the default company: 150 users and over 5,000 calls,
// so listings page and scans cost what they cost with Gong.
var realisticSize = companySize{salesTeams: 10, aesPerTeam: 8, sdrTeams: 2, sdrsPerTeam: 10, ses: 8,
	csTeams: 2, csmsPerTeam: 8, ops: 3, former: 6, calls: 5200, extraAccounts: true}

// smallSize is Options.Small: 50 users and about 1,000 calls, with the
// same stories, for fast tests.
var smallSize = companySize{salesTeams: 4, aesPerTeam: 6, sdrTeams: 1, sdrsPerTeam: 6, ses: 3,
	csTeams: 1, csmsPerTeam: 5, ops: 1, former: 2, calls: 1000}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }
func (g *gen) intn(n int) int        { return g.r.IntN(n) }
func pick[T any](g *gen, xs []T) T   { return xs[g.r.IntN(len(xs))] }

// crmID makes a Salesforce-style 18-character id with the object prefix.
func (g *gen) crmID(prefix string) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte(prefix + "5g00000")
	for len(b) < 18 {
		b = append(b, alnum[g.intn(len(alnum))])
	}
	return string(b)
}

const companyName, companyDomain = "Vandelay Cloud", "vandelaycloud.com"

// The accounts every seed has; the demo, docs/demo-company.md and the
// team's tests rely on them and on their stories (see stories.go).
var namedAccounts = []struct {
	name, domain, industry string
}{
	{"Initech", "initech.com", "Financial Services"},
	{"Stark Industries", "starkindustries.com", "Manufacturing"},
	{"Pied Piper", "piedpiper.com", "Software"},
	{"Hooli", "hooli.com", "Internet"},
}

var otherAccounts = []struct{ name, domain, industry string }{
	{"Wayne Enterprises", "wayneenterprises.com", "Conglomerate"},
	{"Umbrella Corporation", "umbrellacorp.com", "Pharmaceuticals"},
	{"Globex", "globex.com", "Energy"},
	{"Soylent Corp", "soylent.com", "Food & Beverage"},
	{"Cyberdyne Systems", "cyberdyne.com", "Robotics"},
	{"Wonka Industries", "wonka.com", "Consumer Goods"},
	{"Tyrell Corporation", "tyrell.com", "Biotechnology"},
	{"Massive Dynamic", "massivedynamic.com", "Research"},
	{"Dunder Mifflin", "dundermifflin.com", "Paper & Office Supplies"},
	{"Oscorp", "oscorp.com", "Chemicals"},
	{"Aperture Science", "aperturescience.com", "Research"},
	{"Nakatomi Trading", "nakatomi.com", "Trading"},
	{"Sterling Cooper", "sterlingcooper.com", "Advertising"},
	{"Bluth Company", "bluthcompany.com", "Real Estate"},
	{"Prestige Worldwide", "prestigeworldwide.com", "Entertainment"},
	{"Virtucon", "virtucon.com", "Industrial"},
	{"Gekko & Co", "gekko.com", "Financial Services"},
	{"Monarch Solutions", "monarchsolutions.com", "Consulting"},
	{"Vehement Capital", "vehementcapital.com", "Financial Services"},
	{"Rich Industries", "richindustries.com", "Manufacturing"},
	{"Hanso Foundation", "hanso.org", "Non-profit"},
	{"Blue Sun Corporation", "bluesun.com", "Retail"},
	{"Ollivanders", "ollivanders.com", "Retail"},
	{"Wernham Hogg", "wernhamhogg.com", "Paper & Office Supplies"},
}

// moreAccounts join otherAccounts in the realistic company.
var moreAccounts = []struct{ name, domain, industry string }{
	{"Stratton Oakmont", "strattonoakmont.com", "Financial Services"},
	{"Duff Brewing", "duffbrewing.com", "Food & Beverage"},
	{"Los Pollos Hermanos", "lospolloshermanos.com", "Restaurants"},
	{"Vance Refrigeration", "vancerefrigeration.com", "Industrial"},
	{"InGen", "ingen.com", "Biotechnology"},
	{"Weyland-Yutani", "weyland-yutani.com", "Aerospace"},
	{"Spacely Sprockets", "spacelysprockets.com", "Manufacturing"},
	{"Cogswell Cogs", "cogswellcogs.com", "Manufacturing"},
	{"Buy n Large", "buynlarge.com", "Retail"},
	{"Genco Pura", "gencopura.com", "Import & Export"},
	{"Kramerica Industries", "kramerica.com", "Consumer Goods"},
	{"Paper Street Soap", "paperstreetsoap.com", "Consumer Goods"},
	{"Central Perk", "centralperk.com", "Hospitality"},
	{"Omni Consumer Products", "omniconsumerproducts.com", "Conglomerate"},
	{"Sirius Cybernetics", "siriuscybernetics.com", "Robotics"},
	{"Planet Express", "planetexpress.com", "Logistics"},
	{"Callahan Auto Parts", "callahanauto.com", "Automotive"},
	{"Goliath National Bank", "goliathnationalbank.com", "Financial Services"},
	{"Monsters Inc", "monstersinc.com", "Energy"},
	{"Lacuna Inc", "lacunainc.com", "Healthcare"},
}

// Competitors named in calls; the Competitors tracker looks for them.
var competitors = []string{"Acme Corp", "Contoso", "Fabrikam"}

var firstNames = []string{"Avery", "Jordan", "Priya", "Marcus", "Elena", "Tomás", "Hannah", "Kwame", "Sofia", "Liam",
	"Mei", "Noah", "Fatima", "Diego", "Grace", "Oliver", "Aisha", "Ethan", "Chloe", "Ravi", "Isabel", "Lucas",
	"Nadia", "Samuel", "Yuki", "Owen", "Leila", "Mateo", "Zoe", "Daniel", "Ingrid", "Caleb", "Amara", "Felix",
	"Julia", "Hugo", "Maya", "Andre", "Clara", "Tariq", "Emma", "Jonah", "Sienna", "Victor", "Lena", "Rohan",
	"Beatriz", "Gabriel", "Keiko", "Patrick", "Naomi", "Simon", "Rosa", "Theo", "Alicia", "Malik", "Vera",
	"Colin", "Dana", "Farid", "Greta", "Ian", "Joy", "Kofi", "Lara", "Milo"}

var lastNames = []string{"Nguyen", "Patel", "Okafor", "Schmidt", "Rossi", "García", "Kim", "Johansson", "Cohen",
	"Dubois", "Tanaka", "Silva", "Murphy", "Kowalski", "Haddad", "Andersen", "Mensah", "Ivanova", "Chen", "Walsh",
	"Moreau", "Fischer", "Costa", "Singh", "Larsen", "O'Brien", "Yamamoto", "Novak", "Reyes", "Bauer", "Khan",
	"Lindqvist", "Adeyemi", "Marino", "Sato", "Hughes", "Petrov", "Alvarez", "Brennan", "Weber", "Mbeki",
	"Horvat", "Castillo", "Park", "Sullivan", "Vogel", "Ortiz", "Ahmed", "Kaur", "Ferreira", "Blake", "Duarte",
	"Engel", "Fontaine", "Gupta", "Holm", "Ibarra", "Jansen", "Keller", "Lopez", "Meyer", "Nakamura"}

var customerTitles = []string{"VP of Operations", "Director of IT", "Head of Revenue Operations", "CFO",
	"Procurement Manager", "Chief Data Officer", "Director of Sales", "IT Security Lead", "VP of Engineering",
	"Operations Manager", "Head of Analytics", "COO"}

// generateCompany builds the whole company. It is deterministic in seed and
// the day of now (everything is anchored at the start of that day, UTC),
// and cheap: transcripts and call analysis are built lazily, per call,
// from the call's own seed.
func generateCompany(seed uint64, now time.Time, ids *idGen, small bool, loc *time.Location) *Company {
	anchor := now.UTC().Truncate(24 * time.Hour)
	size := realisticSize
	if small {
		size = smallSize
	}
	g := &gen{r: mrand.New(mrand.NewPCG(seed, seed*0x2545F4914F6CDD1D+1)), ids: ids, now: anchor, size: size}
	c := &Company{
		ID: ids.next(), Name: companyName, Domain: companyDomain, TimeZone: loc.String(), Generated: anchor,
		userByID: map[string]*User{}, callByID: map[string]*Call{}, accountByID: map[string]*Account{},
		dealByID: map[string]*Deal{}, contactByID: map[string]*Contact{}, contents: newContentCache(contentCacheSize),
	}
	g.c = c
	g.workspaces()
	g.users()
	g.accounts()
	g.trackersAndOutcomes()
	g.calls()
	g.scorecards()
	g.activity()
	g.briefs()
	g.emails()
	g.engage()
	g.library()
	g.logs()
	g.crm()
	g.permissions()
	return c
}

func (g *gen) workspaces() {
	g.c.Workspaces = []*Workspace{
		{ID: g.ids.next(), Name: "Sales", Description: "New business and expansion sales"},
		{ID: g.ids.next(), Name: "Customer Success", Description: "Onboarding, adoption and renewals"},
		{ID: g.ids.next(), Name: "Partnerships", Description: "Channel and technology partners"},
	}
}

func (g *gen) ws(name string) string {
	for _, w := range g.c.Workspaces {
		if w.Name == name {
			return w.ID
		}
	}
	return g.c.Workspaces[0].ID
}

// users builds the org chart: a CRO, two VPs, sales managers with account
// executives, an SDR team, solutions engineers, a CS team and RevOps.
func (g *gen) users() {
	order := g.r.Perm(len(firstNames))
	lastOrder := g.r.Perm(len(lastNames))
	n := 0
	add := func(role, title, manager, workspace string) *User {
		fn, ln := firstNames[order[n%len(order)]], lastNames[lastOrder[n%len(lastOrder)]]
		n++
		u := &User{
			ID: g.ids.next(), FirstName: fn, LastName: ln, Title: title, ManagerID: manager, Role: role,
			WorkspaceID: g.ws(workspace), Active: true,
			Email:   strings.ToLower(asciiName(fn)+"."+asciiName(ln)) + "@" + companyDomain,
			Phone:   fmt.Sprintf("+1-415-555-%04d", 1000+g.intn(9000)),
			Created: g.now.AddDate(0, 0, -(200 + g.intn(900))).Truncate(time.Second),
			Settings: UserSettings{WebConferencesRecorded: true, TelephonyCallsImported: role == "sdr" || role == "ae",
				EmailsImported: true, NonRecordedMeetingsImported: true, GongConnectEnabled: role == "sdr"},
		}
		if g.chance(0.3) {
			u.Extension = fmt.Sprint(200 + n)
		}
		g.c.Users = append(g.c.Users, u)
		g.c.userByID[u.ID] = u
		return u
	}
	cro := add("exec", "Chief Revenue Officer", "", "Sales")
	vpSales := add("exec", "VP of Sales", cro.ID, "Sales")
	vpCS := add("exec", "VP of Customer Success", cro.ID, "Customer Success")
	sz := g.size
	// team adds teams of a manager and their reports; titles gives each
	// report's title.
	team := func(teams, size int, managerTitle, boss, workspace, role string, titles ...string) {
		for i := 0; i < teams; i++ {
			m := add("manager", managerTitle, boss, workspace)
			for j := 0; j < size; j++ {
				add(role, pick(g, titles), m.ID, workspace)
			}
		}
	}
	team(sz.salesTeams, sz.aesPerTeam, "Regional Sales Manager", vpSales.ID, "Sales", "ae",
		"Account Executive", "Senior Account Executive", "Enterprise Account Executive")
	team(sz.sdrTeams, sz.sdrsPerTeam, "SDR Manager", vpSales.ID, "Sales", "sdr", "Sales Development Representative")
	for j := 0; j < sz.ses; j++ {
		add("se", "Solutions Engineer", vpSales.ID, "Sales")
	}
	team(sz.csTeams, sz.csmsPerTeam, "Customer Success Manager Lead", vpCS.ID, "Customer Success", "csm", "Customer Success Manager")
	for j := 0; j < sz.ops; j++ {
		add("ops", "Revenue Operations Analyst", cro.ID, "Sales")
	}
	// Account executives who left: inactive, no recent calls.
	for j := 0; j < sz.former; j++ {
		u := add("former", "Account Executive", vpSales.ID, "Sales")
		u.Active = false
		u.Settings = UserSettings{}
	}
	// A recent hire whose recording is switched off: adding a call for her
	// is refused, as Gong refuses calls for users it does not record.
	hire := g.c.Users[len(g.c.Users)-sz.former-1]
	hire.Settings.WebConferencesRecorded = false
	hire.Settings.TelephonyCallsImported = false
	// Gong staff "avatars", listed only with includeAvatars.
	for _, name := range [][2]string{{"Gong", "Support"}, {"Gong", "CSM"}} {
		u := &User{ID: g.ids.next(), FirstName: name[0], LastName: name[1], Title: "Gong " + name[1],
			Email: strings.ToLower(name[1]) + "+" + strings.ToLower(strings.ReplaceAll(companyName, " ", "")) + "@gong.io",
			Role:  "avatar", Active: true, WorkspaceID: g.ws("Sales"), Created: g.now.AddDate(-1, 0, 0).Truncate(time.Second)}
		g.c.Avatars = append(g.c.Avatars, u)
		g.c.userByID[u.ID] = u
	}
}

// asciiName folds the few accented letters the name lists use.
func asciiName(s string) string {
	return strings.NewReplacer("á", "a", "í", "i", "ó", "o", "é", "e", "'", "").Replace(s)
}

func (g *gen) usersByRole(role string) []*User {
	var out []*User
	for _, u := range g.c.Users {
		if u.Role == role {
			out = append(out, u)
		}
	}
	return out
}

var dealStages = []struct {
	name string
	prob int
}{{"Discovery", 10}, {"Qualification", 20}, {"Demo", 35}, {"Proposal", 50}, {"Negotiation", 75}}

var products = []string{"Platform", "Analytics Add-on", "Enterprise License", "Expansion", "Renewal", "Data Connectors"}

func (g *gen) accounts() {
	aes := g.usersByRole("ae")
	addAccount := func(name, domain, industry string) *Account {
		a := &Account{CRMID: g.crmID("001"), Name: name, Domain: domain, Industry: industry,
			OwnerID: pick(g, aes).ID, WorkspaceID: g.ws("Sales"), Employees: 200 + g.intn(40)*250}
		used := map[string]bool{}
		for i := 0; i < 3+g.intn(2); i++ {
			fn, ln := pick(g, firstNames), pick(g, lastNames)
			if used[fn+ln] {
				continue
			}
			used[fn+ln] = true
			ct := &Contact{CRMID: g.crmID("003"), FirstName: fn, LastName: ln, Title: pick(g, customerTitles),
				Email:     strings.ToLower(asciiName(fn)[:1]+asciiName(ln)) + "@" + domain,
				Phone:     fmt.Sprintf("+1-%03d-555-%04d", 200+g.intn(700), g.intn(10000)),
				AccountID: a.CRMID}
			a.Contacts = append(a.Contacts, ct)
			g.c.Contacts = append(g.c.Contacts, ct)
			g.c.contactByID[ct.CRMID] = ct
		}
		g.c.Accounts = append(g.c.Accounts, a)
		g.c.accountByID[a.CRMID] = a
		return a
	}
	addDeal := func(a *Account, product, stage, status string, amount float64, closeIn int) *Deal {
		d := &Deal{CRMID: g.crmID("006"), Name: a.Name + " - " + product, AccountID: a.CRMID, OwnerID: a.OwnerID,
			Stage: stage, Status: status, Amount: amount, CloseDate: g.now.AddDate(0, 0, closeIn).Truncate(24 * time.Hour),
			Created: g.now.AddDate(0, 0, -170+g.intn(30)).Truncate(time.Hour)}
		if latest := d.CloseDate.AddDate(0, 0, -60); d.Created.After(latest) {
			d.Created = latest
		}
		for _, s := range dealStages {
			if s.name == stage {
				d.Probability = s.prob
			}
		}
		switch stage {
		case "Closed Won":
			d.Probability = 100
		case "Closed Lost":
			d.Probability = 0
		}
		a.Deals = append(a.Deals, d)
		g.c.Deals = append(g.c.Deals, d)
		g.c.dealByID[d.CRMID] = d
		return d
	}
	for _, na := range namedAccounts {
		addAccount(na.name, na.domain, na.industry)
	}
	byName := g.c.AccountByName
	// The stories (stories.go): Initech's expansion was lost a few days
	// ago, Pied Piper is a customer whose renewal is in negotiation, Stark
	// Industries has a large deal in proposal.
	addDeal(byName("Initech"), "Platform Expansion", "Closed Lost", "Lost", 120000, -initechLostDaysAgo)
	addDeal(byName("Initech"), "Data Connectors", "Closed Won", "Won", 36000, -120)
	addDeal(byName("Stark Industries"), "Enterprise License", "Proposal", "Open", 480000, 60)
	addDeal(byName("Pied Piper"), "Platform", "Closed Won", "Won", 72000, -340)
	addDeal(byName("Pied Piper"), "Renewal", "Negotiation", "Open", 96000, 21)
	addDeal(byName("Hooli"), "Renewal", "Proposal", "Open", 210000, 40)
	addDeal(byName("Hooli"), "Analytics Add-on", "Closed Lost", "Lost", 60000, -45)
	others := otherAccounts
	if g.size.extraAccounts {
		others = append(others[:len(others):len(others)], moreAccounts...)
	}
	for _, oa := range others {
		a := addAccount(oa.name, oa.domain, oa.industry)
		for i := 0; i < 1+g.intn(2); i++ {
			st := dealStages[g.intn(len(dealStages))]
			status, stage := "Open", st.name
			switch x := g.intn(10); {
			case x == 0:
				status, stage = "Won", "Closed Won"
			case x == 1:
				status, stage = "Lost", "Closed Lost"
			}
			closeIn := 10 + g.intn(90)
			if status != "Open" {
				closeIn = -(5 + g.intn(120))
			}
			addDeal(a, pick(g, products), stage, status, float64(12+g.intn(200))*1000, closeIn)
		}
	}
}

// trackersAndOutcomes defines the company's trackers and call outcomes.
// Keyword trackers are matched against transcript text, so their hits in
// /v2/calls/extensive always agree with /v2/calls/transcript.
func (g *gen) trackersAndOutcomes() {
	sales := g.ws("Sales")
	created := g.now.AddDate(-1, 0, 0).Truncate(time.Hour)
	g.c.Trackers = []*Tracker{
		{ID: g.ids.next(), Name: "Competitors", Type: "KEYWORD", WorkspaceID: sales, Keywords: competitors, Affiliation: "Anyone", Created: created},
		{ID: g.ids.next(), Name: "Pricing", Type: "KEYWORD", WorkspaceID: sales, Keywords: []string{"pricing", "price", "discount", "per seat", "quote"}, Affiliation: "Anyone", Created: created},
		{ID: g.ids.next(), Name: "Budget", Type: "KEYWORD", WorkspaceID: sales, Keywords: []string{"budget", "budgeted"}, Affiliation: "NonCompany", Created: created},
		{ID: g.ids.next(), Name: "Migration", Type: "KEYWORD", WorkspaceID: sales, Keywords: []string{"migration", "migrate"}, Affiliation: "Anyone", Created: created},
		{ID: g.ids.next(), Name: "Security", Type: "KEYWORD", WorkspaceID: sales, Keywords: []string{"security review", "SOC 2", "SSO"}, Affiliation: "Anyone", Created: created},
		{ID: g.ids.next(), Name: "Next Steps", Type: "KEYWORD", WorkspaceID: sales, Keywords: []string{"next step", "follow up", "send over"}, Affiliation: "Anyone", Created: created},
		{ID: g.ids.next(), Name: "Objections", Type: "SMART", WorkspaceID: sales, flag: "objection", Affiliation: "NonCompany", Created: created},
		{ID: g.ids.next(), Name: "Pain Points", Type: "SMART", WorkspaceID: sales, flag: "pain", Affiliation: "NonCompany", Created: created},
	}
	g.c.CallOutcomes = []CallOutcome{
		{ID: g.ids.next(), Category: "Positive", Name: "Next Meeting Scheduled"},
		{ID: g.ids.next(), Category: "Positive", Name: "Qualified Opportunity"},
		{ID: g.ids.next(), Category: "Positive", Name: "Verbal Commit"},
		{ID: g.ids.next(), Category: "Neutral", Name: "Follow-up Needed"},
		{ID: g.ids.next(), Category: "Neutral", Name: "Information Shared"},
		{ID: g.ids.next(), Category: "Negative", Name: "Not Interested"},
		{ID: g.ids.next(), Category: "Negative", Name: "Lost to Competitor"},
	}
}

// calls generates the calls of the last 180 days (size.calls of them),
// then pins the stories' calls (stories.go).
func (g *gen) calls() {
	total := g.size.calls
	day0 := g.now
	var slots []time.Time
	for len(slots) < total {
		d := day0.AddDate(0, 0, -(1 + g.intn(180)))
		if wd := d.Weekday(); (wd == time.Saturday || wd == time.Sunday) && !g.chance(0.1) {
			continue
		}
		at := d.Add(time.Duration(13+g.intn(9))*time.Hour + time.Duration(g.intn(2)*30)*time.Minute)
		slots = append(slots, at)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].Before(slots[j]) })

	sales := g.ws("Sales")
	csWS := g.ws("Customer Success")
	partnersWS := g.ws("Partnerships")
	aes, sdrs, ses, csms := g.usersByRole("ae"), g.usersByRole("sdr"), g.usersByRole("se"), g.usersByRole("csm")
	managers := g.usersByRole("manager")

	// Account weights: the named accounts get more conversations.
	var weighted []*Account
	for i, a := range g.c.Accounts {
		w := 1
		if i < len(namedAccounts) {
			w = 6
		}
		for k := 0; k < w; k++ {
			weighted = append(weighted, a)
		}
	}
	for i, at := range slots {
		var c *Call
		switch x := g.intn(100); {
		case x < 55:
			c = g.externalCall(at, pick(g, weighted), "", aes, ses, managers)
		case x < 67:
			c = g.coldCall(at, pick(g, g.c.Accounts), sdrs)
		case x < 77:
			c = g.externalCall(at, pick(g, g.c.Accounts), "checkin", csms, ses, managers)
			c.WorkspaceID = csWS
		case x < 80:
			c = g.internalCall(at, partnersWS)
		default:
			c = g.internalCall(at, sales)
		}
		c.seed = uint64(i)*0x9E3779B97F4A7C15 ^ g.r.Uint64()
		g.addCall(c)
	}
	g.storyCalls(aes, ses, managers)
	sort.SliceStable(g.c.Calls, func(i, j int) bool { return g.c.Calls[i].Date().Before(g.c.Calls[j].Date()) })
	g.assignKinds()
}

func (g *gen) addCall(c *Call) {
	c.ID = g.ids.next()
	c.ClientUniqueID = fmt.Sprintf("%s-%d", strings.ReplaceAll(strings.ToLower(c.System), " ", "-"), 100000+g.intn(900000))
	if c.Direction == "Conference" {
		c.CalendarEventID = fmt.Sprintf("%x", g.r.Uint64())
	}
	for i, p := range c.Parties {
		p.ID = g.ids.next()
		p.SpeakerID = g.ids.next()
		_ = i
	}
	g.c.Calls = append(g.c.Calls, c)
	g.c.callByID[c.ID] = c
}

func (g *gen) hostFor(a *Account, pool []*User, at time.Time) *User {
	if a != nil {
		if o := g.c.userByID[a.OwnerID]; o != nil && pool != nil && pool[0].Role == o.Role && o.Created.Before(at) {
			if g.chance(0.8) {
				return o
			}
		}
	}
	for {
		u := pick(g, pool)
		if u.Created.Before(at) {
			return u
		}
	}
}

// externalCall is a web conference with customers. kind "" means the kind
// is decided later from the call's place in the account's history.
func (g *gen) externalCall(at time.Time, a *Account, kind string, hosts, ses, managers []*User) *Call {
	host := g.hostFor(a, hosts, at)
	system := pick(g, []string{"Zoom", "Zoom", "Google Meet", "Microsoft Teams"})
	c := &Call{
		Scheduled: at, Started: at.Add(time.Duration(g.intn(4)) * time.Minute),
		Duration: (20 + g.intn(40)) * 60, PrimaryUserID: host.ID, WorkspaceID: g.ws("Sales"),
		Direction: "Conference", System: system, Scope: "External", Media: "Video", Language: "eng",
		Kind: kind, AccountID: a.CRMID,
		MeetingURL: meetingURL(system, g),
	}
	c.Parties = append(c.Parties, userParty(host, "host"))
	if g.chance(0.35) {
		c.Parties = append(c.Parties, userParty(pick(g, ses), "se"))
	}
	if g.chance(0.15) {
		if m := g.c.userByID[host.ManagerID]; m != nil {
			c.Parties = append(c.Parties, userParty(m, "manager"))
		} else {
			c.Parties = append(c.Parties, userParty(pick(g, managers), "manager"))
		}
	}
	n := 1 + g.intn(min(2, len(a.Contacts)))
	perm := g.r.Perm(len(a.Contacts))
	for i := 0; i < n; i++ {
		role := "customer"
		if i > 0 {
			role = "customer2"
		}
		c.Parties = append(c.Parties, contactParty(a.Contacts[perm[i]], role))
	}
	c.DealID = g.dealAt(a, at)
	return c
}

// coldCall is an SDR phone call to a prospect.
func (g *gen) coldCall(at time.Time, a *Account, sdrs []*User) *Call {
	host := g.hostFor(nil, sdrs, at)
	ct := pick(g, a.Contacts)
	at = at.Add(time.Duration(g.intn(29)) * time.Minute)
	c := &Call{
		Scheduled: at, Started: at, Duration: 60 + g.intn(9*60), PrimaryUserID: host.ID, WorkspaceID: g.ws("Sales"),
		Direction: "Outbound", System: pick(g, []string{"Aircall", "RingCentral", "Gong Dialer"}), Scope: "External",
		Media: "Audio", Language: "eng", Kind: "cold", AccountID: a.CRMID,
		SDRDisposition: pick(g, []string{"Connected - Meeting Booked", "Connected - Not Interested", "Connected - Call Back Later"}),
	}
	c.Parties = []*Party{userParty(host, "host"), contactParty(ct, "customer")}
	c.Parties[1].Phone = ct.Phone
	c.Parties[1].Methods = []string{"Attendee"}
	return c
}

var internalTitles = []string{"Weekly Pipeline Review", "Forecast Call", "Deal Strategy", "Team Standup", "1:1", "Enablement: Objection Handling", "Partner Sync"}

// internalCall is a meeting between company users only.
func (g *gen) internalCall(at time.Time, workspace string) *Call {
	var host *User
	for host == nil || !host.Active || !host.Created.Before(at) {
		host = pick(g, g.c.Users)
		if host.Role == "ae" || host.Role == "sdr" || host.Role == "csm" || host.Role == "se" {
			if m := g.c.userByID[host.ManagerID]; m != nil && g.chance(0.6) {
				host = m
			}
		}
	}
	system := pick(g, []string{"Zoom", "Google Meet"})
	c := &Call{
		Scheduled: at, Started: at.Add(time.Duration(g.intn(3)) * time.Minute), Duration: (15 + g.intn(35)) * 60,
		PrimaryUserID: host.ID, WorkspaceID: workspace, Direction: "Conference", System: system, Scope: "Internal",
		Media: "Video", Language: "eng", Kind: "internal", MeetingURL: meetingURL(system, g), IsPrivate: g.chance(0.05),
	}
	c.Title = pick(g, internalTitles)
	c.Parties = []*Party{userParty(host, "host")}
	var reports []*User
	for _, u := range g.c.Users {
		if u.ManagerID == host.ID && u.Active && u.Created.Before(at) {
			reports = append(reports, u)
		}
	}
	n := 1 + g.intn(3)
	for i := 0; i < n; i++ {
		var u *User
		if len(reports) > 0 {
			u = pick(g, reports)
		} else {
			u = pick(g, g.c.Users)
		}
		if u.ID == host.ID || !u.Active || !u.Created.Before(at) || hasUser(c, u.ID) {
			continue
		}
		c.Parties = append(c.Parties, userParty(u, "peer"))
	}
	if len(c.Parties) == 1 {
		for _, u := range g.c.Users {
			if u.ID != host.ID && u.Active && u.Created.Before(at) {
				c.Parties = append(c.Parties, userParty(u, "peer"))
				break
			}
		}
	}
	if c.Title == "1:1" && len(c.Parties) > 1 {
		c.Parties = c.Parties[:2]
		c.Title = "1:1 " + g.c.userByID[c.Parties[0].UserID].FirstName + " / " + g.c.userByID[c.Parties[1].UserID].FirstName
	}
	if c.Title == "Deal Strategy" {
		a := pick(g, g.c.Accounts[:len(namedAccounts)])
		c.Title = "Deal Strategy: " + a.Name
		c.AccountID = a.CRMID
		c.DealID = g.dealAt(a, at)
	}
	return c
}

func hasUser(c *Call, id string) bool {
	for _, p := range c.Parties {
		if p.UserID == id {
			return true
		}
	}
	return false
}

func meetingURL(system string, g *gen) string {
	switch system {
	case "Zoom":
		return fmt.Sprintf("https://vandelaycloud.zoom.us/j/%d", 80000000000+g.r.Int64N(9999999999))
	case "Google Meet":
		const l = "abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 10)
		for i := range b {
			b[i] = l[g.intn(26)]
		}
		return "https://meet.google.com/" + string(b[:3]) + "-" + string(b[3:7]) + "-" + string(b[7:])
	default:
		return fmt.Sprintf("https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%x", g.r.Uint64())
	}
}

func userParty(u *User, role string) *Party {
	return &Party{Name: u.FullName(), Title: u.Title, Email: u.Email, Phone: u.Phone, UserID: u.ID,
		Affiliation: "Internal", Methods: []string{"Invitee", "Attendee"}, role: role}
}

func contactParty(ct *Contact, role string) *Party {
	return &Party{Name: ct.FullName(), Title: ct.Title, Email: ct.Email, ContactID: ct.CRMID,
		Affiliation: "External", Methods: []string{"Invitee", "Attendee"}, role: role}
}

// dealAt picks the deal a call at time at belongs to: an open deal, or one
// that closed after the call.
func (g *gen) dealAt(a *Account, at time.Time) string {
	for _, d := range a.Deals {
		if d.Status == "Open" || d.CloseDate.After(at) {
			return d.CRMID
		}
	}
	if len(a.Deals) > 0 {
		return a.Deals[0].CRMID
	}
	return ""
}

// assignKinds walks each account's external sales calls in date order and
// gives them a sales-cycle stage (discovery, demo, pricing, negotiation),
// then titles every call.
func (g *gen) assignKinds() {
	per := map[string][]*Call{}
	for _, c := range g.c.Calls {
		if c.Scope == "External" && c.Kind == "" {
			per[c.AccountID] = append(per[c.AccountID], c)
		}
	}
	stages := []string{"discovery", "demo", "pricing", "negotiation"}
	for _, a := range g.c.Accounts {
		cs := per[a.CRMID]
		for i, c := range cs {
			c.Kind = stages[min(len(stages)-1, i*len(stages)/max(1, len(cs)))]
		}
	}
	for _, c := range g.c.Calls {
		if c.Title != "" {
			continue
		}
		a := g.c.accountByID[c.AccountID]
		switch c.Kind {
		case "discovery":
			c.Title, c.Purpose = companyName+" <> "+a.Name+" | Discovery", "Understand current process and goals"
		case "demo":
			c.Title, c.Purpose = "Demo: "+companyName+" for "+a.Name, "Product demonstration"
		case "pricing":
			c.Title, c.Purpose = a.Name+" - Pricing Review", "Walk through the proposal and pricing"
		case "negotiation":
			c.Title, c.Purpose = a.Name+" - Contract & Next Steps", "Negotiate terms and agree a close plan"
		case "checkin":
			c.Title, c.Purpose = a.Name+" Quarterly Business Review", "Review adoption and renewal"
		case "cold":
			c.Title = "Call with " + g.c.contactByID[c.Parties[1].ContactID].FullName() + " (" + a.Name + ")"
		}
	}
	for _, c := range g.c.Calls {
		c.OutcomeID = g.outcomeFor(c)
	}
}

func (g *gen) outcomeFor(c *Call) string {
	if c.Scope != "External" {
		return ""
	}
	byName := func(n string) string {
		for _, o := range g.c.CallOutcomes {
			if o.Name == n {
				return o.ID
			}
		}
		return ""
	}
	switch c.Kind {
	case "cold":
		if strings.Contains(c.SDRDisposition, "Booked") {
			return byName("Qualified Opportunity")
		}
		return byName("Not Interested")
	case "discovery", "demo":
		return byName("Next Meeting Scheduled")
	case "pricing":
		return byName("Follow-up Needed")
	case "negotiation":
		if d := g.c.dealByID[c.DealID]; d != nil && d.Status == "Lost" {
			return byName("Lost to Competitor")
		}
		return byName("Verbal Commit")
	}
	return byName("Information Shared")
}
