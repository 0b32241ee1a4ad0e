package gong

import (
	"strings"
	"unicode"
)

// The conversational body of a transcript. The script (content.go) holds
// the lines that matter (objections, pricing, next steps...); between them
// the speakers talk around the topic at hand, composed here from phrase
// banks and the call's own random source, so a transcript reads like a
// sales conversation and runs at a real speaking rate.

// talkBank is what each side says about one topic. {slot}s are filled per
// sentence (slotValues) or from the call's variables.
type talkBank struct{ rep, cust []string }

var talkBanks = map[string]talkBank{
	"Call Setup": {
		rep: []string{"I've got about {num} minutes blocked, does that still work for you?", "Let me quickly run through the agenda I sent over.",
			"I'll keep an eye on the time so we finish a couple of minutes early.", "Before we start, is anyone else joining from your side?",
			"I'm recording this so I don't have to take notes, is that alright with everyone?", "My camera is being a bit slow today, bear with me."},
		cust: []string{"Yes, that works, I have a hard stop at the top of the hour.", "{other} might join a few minutes late, they're coming from another meeting.",
			"Recording is fine with us.", "Sorry, I was on mute there.", "Can you hear me now? My headset keeps dropping.", "The agenda looks good to me."},
	},
	"Small Talk": {
		rep: []string{"Did you end up taking that trip you mentioned last time?", "I saw your team posted about the offsite, it looked like fun.",
			"The weather here has been all over the place this week.", "How's everyone settling into the new office?", "I'm running on my third coffee already.",
			"Are you still coaching your kid's soccer team?"},
		cust: []string{"We did, it rained most of the time but the food made up for it.", "The new office is great once you find a meeting room.",
			"Honestly I'm just glad it's {weekday}.", "My daughter's team won on Saturday, so the house is in a good mood.",
			"It's been a long week, we had the {team} kickoff on Monday.", "Same here, coffee is the only thing keeping this quarter going."},
	},
	"Introduction": {
		rep: []string{"I'll be quick, I know you weren't expecting my call.", "We work with a lot of {industry} companies on exactly this.",
			"Most teams we talk to spend a day a week building the forecast by hand.", "The reason I'm calling is that teams like yours often lose track of what's said in deals."},
		cust: []string{"Okay, you've got two minutes.", "Who did you say you were with again?", "We get a lot of these calls, to be honest.",
			"What exactly does your product do?"},
	},
	"Current Process": {
		rep: []string{"How many people touch the forecast before it reaches leadership?", "Where does the data come from today, the CRM or {tool}?",
			"And how long does that take each {period}?", "Who owns that process on your side?", "What happens when the numbers don't match?",
			"Is that the same for every region, or does each team do its own thing?"},
		cust: []string{"Every manager exports from the CRM into {tool} and then someone in {team} stitches it together.",
			"It's about {num} people, and nobody fully trusts the final number.", "We have a call every {weekday} where we go deal by deal.",
			"Half the notes from calls never make it into the CRM, so we rely on memory.", "The regions all do it differently, which is part of the problem.",
			"It takes most of a day for each manager, and then the numbers change anyway."},
	},
	"Pain Points": {
		rep: []string{"What does that cost you when it goes wrong?", "How did that show up last quarter?", "Who feels that pain the most, the reps or the managers?",
			"If you could fix one thing about that, what would it be?", "How often does a deal surprise you at the end of the quarter?"},
		cust: []string{"Last quarter we missed the forecast by {num} percent and nobody saw it coming.", "The managers spend their {weekday}s chasing updates instead of coaching.",
			"New reps take months to ramp because they can't hear how the good calls go.", "We only find out a deal is in trouble when the customer goes quiet.",
			"The board keeps asking for a number we can stand behind.", "Our best reps leave and their knowledge walks out the door with them."},
	},
	"Goals": {
		rep: []string{"What would you want to be true by the end of the year?", "How would you measure success for this project?", "Who else cares about that outcome?"},
		cust: []string{"I'd like the managers to spend their time coaching, not building spreadsheets.", "A forecast within five percent would be a huge win for us.",
			"We want new reps productive in half the time.", "Honestly, one place where the whole team can see what customers are telling us."},
	},
	"Decision Process": {
		rep: []string{"Walk me through how a purchase like this gets approved.", "Who signs the contract in the end?", "Is there a formal evaluation, or is it your call?",
			"What would make this a priority over the other projects on your list?", "Have you bought software of this size before?"},
		cust: []string{"It goes to our CFO for anything above fifty thousand, and IT has to sign off on security.", "Procurement gets involved once we have a preferred vendor.",
			"I make the recommendation, but {other} owns the budget.", "We usually look at two or three options before deciding.", "The steering committee meets once a month, the next one is in {month}."},
	},
	"Product Demo": {
		rep: []string{"Here you can see every deal with the last conversation and what the customer said.", "If I click into this account you get the full timeline of calls and emails.",
			"This is the {feature}, which most managers open first thing in the morning.", "The alerts on the right flag deals where the customer hasn't spoken in two weeks.",
			"You can search every call for a phrase, like a competitor's name or a pricing question.", "Let me switch to a manager's view so you can see the team roll-up.",
			"This chart compares talk time across the team, which helps with coaching.", "Everything here updates as soon as a call is processed, usually within minutes."},
		cust: []string{"Can I see that for a single region?", "Can the reps see each other's calls, or only their own?", "That view is nicer than what we have today, I'll give you that.",
			"How long does it take before a call shows up there?", "Could we export that to share with the board?", "Okay, so the managers would live in this screen mostly.",
			"What does the rep see on their side?", "Is that search across every call, or just the ones I'm on?"},
	},
	"Integrations": {
		rep: []string{"The CRM connector is set up once by your admin and then syncs on its own.", "We also read the calendars, so meetings are recorded without anyone pressing a button.",
			"There's an API if your data team wants to pull anything into your warehouse.", "User provisioning works through SCIM, so IT doesn't have to add people by hand."},
		cust: []string{"Which CRM objects do you write back to?", "Our admin will want to know which permissions the connector needs.", "Does it work with our dialler as well?",
			"How does it handle custom fields?", "We have a data warehouse team that will ask about the API limits."},
	},
	"Pricing": {
		rep: []string{"The price includes onboarding and the connectors, there are no extra fees.", "Most customers your size start with a one year term.",
			"We can also look at a multi year term, which brings the yearly price down.", "I've put two options in the proposal so you can compare.",
			"The quote is valid until the end of the month."},
		cust: []string{"Can you break that down per seat for me?", "What's included in the onboarding?", "Are there any costs we'd see later that aren't in the quote?",
			"I'll need to take this to {other} before I can react.", "How does the price change if we add seats mid-year?"},
	},
	"Competition": {
		rep: []string{"We see them a lot, and it usually comes down to the depth of the analysis.", "Happy to give you a couple of references who looked at both.",
			"It's worth asking them how long their onboarding really takes."},
		cust: []string{"Their demo was good, I won't lie.", "They've been quite aggressive on price.", "A few people on the team used them at a previous company."},
	},
	"Objections": {
		rep: []string{"That's a fair concern, let me walk you through how other customers handled it.", "Can I ask what's behind that worry?",
			"I'd rather we talk about that now than find out later.", "Would a reference call with a similar customer help?"},
		cust: []string{"I just want to be sure we're not creating more work for the team.", "It's not a deal breaker, but I need a good answer for my boss.",
			"We've been burned before, so people are cautious.", "I'd like to see that in writing."},
	},
	"Security": {
		rep: []string{"Our security package has the SOC 2 report, the pen test summary and the data flow diagram.", "Data is encrypted at rest and in transit.",
			"Your admins can set retention rules per workspace."},
		cust: []string{"Our security team will send their questionnaire this week.", "Where exactly is the data stored?", "Who on your side can access our recordings?"},
	},
	"Contract": {
		rep: []string{"I'll have our legal team turn the redlines around within two days.", "The order form is short, most of it is the standard terms.",
			"We can add a clause on data deletion at the end of the term."},
		cust: []string{"Our legal team is slow, so let's start that early.", "Procurement will want the standard security addendum.", "Can the start date be the first of next month?"},
	},
	"Adoption": {
		rep:  []string{"Weekly active users are up since the last review.", "The teams that use the call library ramp noticeably faster.", "I can run a refresher session for the new hires."},
		cust: []string{"The sales team loves it, the other teams less so.", "Some managers still don't open it unless I remind them.", "The new hires picked it up quickly."},
	},
	"Renewal": {
		rep:  []string{"I want to make sure the renewal reflects how you actually use it.", "Let's look at which teams get the most out of it.", "We can line the renewal up with your fiscal year."},
		cust: []string{"Finance will look at cost per active user this year.", "We'd like the renewal to be simple, no surprises.", "I need to show the value to our leadership before we commit again."},
	},
	"Next Steps": {
		rep: []string{"I'll send a short recap after the call.", "Let's put a time on the calendar before we hang up.", "I'll loop in {se} for the technical questions.",
			"Does {weekday} at ten work for the follow-up?"},
		cust: []string{"{weekday} works for me.", "Send me the recap and I'll forward it internally.", "Let me check with {other} and get back to you.", "Sounds like a plan."},
	},
	"Coaching": {
		rep: []string{"What would you do differently on that call?", "Let's listen to the part where they brought up price.", "You did well keeping them talking about the problem.",
			"Try asking about the decision process earlier next time."},
		cust: []string{"I think I jumped to the demo too fast.", "I wasn't sure how to answer the question about the migration.", "They went quiet when I mentioned the price.",
			"I'd like to practise the pricing conversation before the next call."},
	},
	"Enablement": {
		rep:  []string{"Let's role play this, I'll be the customer.", "Here's a clip from a call where it went really well.", "Notice how she asked a question instead of defending the price."},
		cust: []string{"Can we do that one again?", "I usually lose them at that point.", "That's a good way to put it, I'm stealing that."},
	},
	"Pipeline": {
		rep: []string{"Walk me through what changed since last week.", "What's the next step on that one, and when?", "Who have we not spoken to yet?",
			"Is that close date real, or hopeful?"},
		cust: []string{"The champion is strong, but we haven't met the economic buyer.", "Legal is the only thing left on that one.", "That one slipped, they want to revisit in {month}.",
			"I'm waiting on their security questionnaire."},
	},
	"Forecast": {
		rep:  []string{"What would it take to pull that one into this quarter?", "I need your commit number by {weekday}.", "Let's be honest about the upside."},
		cust: []string{"I'm comfortable with my commit, the upside depends on two deals.", "I'd call it best case for now.", "I'll update the CRM tonight."},
	},
	"Partnership": {
		rep:  []string{"How many joint customers did we sign last quarter?", "Let's plan a joint webinar for next month."},
		cust: []string{"Our sellers need a simpler way to register deals.", "We've got three customers asking about the integration."},
	},
}

// chatter is talk any topic can hold.
var chatter = talkBank{
	rep: []string{"That's really helpful context.", "Let me make sure I understand that correctly.", "Can you say a bit more about that?",
		"That's something we hear from a lot of teams your size.", "I'm writing that down.", "That makes a lot of sense.",
		"How is the team feeling about that?", "And is that the same across every region?", "Okay, that's useful, thank you.",
		"I want to come back to that in a minute.", "So if I play that back to you, the main issue is the time it takes.",
		"Would it help if I showed you how another customer set that up?", "What have you tried so far?", "Got it, that's clear."},
	cust: []string{"Yeah, that's the part that takes the most time for us.", "I'd have to check with the team on that.", "That's a good question, actually.",
		"It depends on the quarter, honestly.", "We've talked about that internally for a while.", "Right now it's mostly manual.",
		"I think that's where the real problem is.", "I'm not sure, to be honest, {other} would know better.", "That would be a big change for us.",
		"We're open to it, we just need to see it working.", "Most of the team would be fine with that.", "I'd say that's about right.",
		"It's been on our list for a long time.", "That's more or less how it works today."},
}

// backchannels are the short acknowledgements between longer turns.
var backchannels = []string{"Right.", "Mm-hmm.", "Okay.", "Got it.", "Yeah.", "Sure.", "Makes sense.", "Exactly.", "Interesting.", "Yes, definitely."}

var openers = []string{"So ", "Yeah, ", "Honestly, ", "Right, ", "Okay, so ", "I mean, ", "And ", "Look, ", "To be fair, ", "Well, "}

var slotValues = map[string][]string{
	"num":      {"three", "four", "five", "six", "ten", "twelve", "fifteen", "twenty", "thirty"},
	"team":     {"sales ops", "finance", "the regional managers", "IT", "enablement", "marketing", "customer success"},
	"tool":     {"spreadsheets", "a BI dashboard", "the CRM reports", "a shared slide deck"},
	"feature":  {"forecast board", "deal timeline", "call library", "pipeline alerts", "coaching scorecard", "team activity report"},
	"weekday":  {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"},
	"month":    {"January", "March", "April", "June", "September", "October"},
	"period":   {"week", "month", "quarter"},
	"industry": {"financial services", "software", "manufacturing", "healthcare", "retail"},
}

// discussion is what a conversation drifts to once a topic's own bank is
// used up: the general matter of a sales call, or of an internal meeting.
var discussion = map[bool][]string{
	false: {"Current Process", "Pain Points", "Goals", "Decision Process", "Integrations", "Adoption", "Product Demo"},
	true:  {"Pipeline", "Forecast", "Coaching"},
}

// talk returns what role says next on topic: a sentence from the topic's
// bank or the general one, or, once those are used up in this call, from
// the banks the conversation drifts to; sometimes with a spoken opener.
func (s *scriptCtx) talk(topic, role string) string {
	cust := role == "customer" || role == "customer2" || role == "peer"
	side := func(tb talkBank) []string {
		if cust {
			return tb.cust
		}
		return tb.rep
	}
	pools := [][]string{side(chatter)}
	if tb, ok := talkBanks[topic]; ok && len(side(tb)) > 0 && s.r.IntN(10) < 7 {
		pools = [][]string{side(tb), side(chatter)}
	}
	drift := discussion[s.c.Kind == "internal"]
	for _, k := range s.r.Perm(len(drift)) {
		pools = append(pools, side(talkBanks[drift[k]]))
	}
	t := ""
	for _, pool := range pools {
		for try := 0; try < 3 && len(pool) > 0; try++ {
			if c := pool[s.r.IntN(len(pool))]; !s.said[c] {
				t = c
				break
			}
		}
		if t != "" {
			break
		}
	}
	if t == "" { // everything said once already: people repeat themselves
		t = pools[0][s.r.IntN(len(pools[0]))]
	}
	s.said[t] = true
	if s.r.IntN(4) == 0 && !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "And ") && !strings.HasSuffix(t, "?") && wordCount(t) > 4 {
		t = openers[s.r.IntN(len(openers))] + lowerFirst(t)
	}
	for strings.Contains(t, "{") {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			break
		}
		name := t[i+1 : i+j]
		v, ok := s.vars[name]
		if name == "other" && role == "customer2" {
			v = s.vars["contact"]
		}
		if vs, isSlot := slotValues[name]; isSlot {
			v, ok = vs[s.r.IntN(len(vs))], true
		}
		if !ok {
			v = "the team"
		}
		t = t[:i] + v + t[i+j+1:]
	}
	return t
}

// lowerFirst lower-cases the first letter unless the sentence starts with
// "I" as a word, which stays upper-case after an opener.
func lowerFirst(t string) string {
	if t == "" || t[0] == 'I' && (len(t) == 1 || t[1] == ' ' || t[1] == '\'') {
		return t
	}
	r := []rune(t)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
