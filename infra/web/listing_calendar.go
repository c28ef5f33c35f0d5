package web

import (
	"time"

	"github.com/zufang/rental/events"
)

// calMonth is one month of the availability calendar: weeks of seven days
// from Monday, nil where a day belongs to the month before or after.
type calMonth struct {
	Title string // 2026年1月
	Weeks [][7]*calDay
}

type calDay struct {
	Day    int
	Date   string // YYYY-MM-DD
	Past   bool
	Booked bool
	Today  bool
}

type bookedRange struct {
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

// availabilityAnswer is what the page reads of query.Availability.
type availabilityAnswer struct {
	Booked []bookedRange `json:"booked"`
}

// calendarMonthsOf lays out n months from first; a day is booked when a
// range [start, end) holds it (the end date is the day the tenant leaves).
func calendarMonthsOf(first time.Time, n int, today time.Time, booked []bookedRange) []calMonth {
	type span struct{ from, to time.Time }
	spans := make([]span, 0, len(booked))
	for _, r := range booked {
		s, err1 := time.Parse(events.DateLayout, r.StartDate)
		e, err2 := time.Parse(events.DateLayout, r.EndDate)
		if err1 == nil && err2 == nil {
			spans = append(spans, span{s, e})
		}
	}
	out := make([]calMonth, 0, n)
	for m := range n {
		start := first.AddDate(0, m, 0)
		month := calMonth{Title: start.Format("2006年1月")}
		var week [7]*calDay
		for d := start; d.Month() == start.Month(); d = d.AddDate(0, 0, 1) {
			col := (int(d.Weekday()) + 6) % 7 // Monday first
			day := &calDay{Day: d.Day(), Date: d.Format(events.DateLayout), Past: d.Before(today), Today: d.Equal(today)}
			for _, s := range spans {
				if !d.Before(s.from) && d.Before(s.to) {
					day.Booked = true
					break
				}
			}
			week[col] = day
			if col == 6 {
				month.Weeks = append(month.Weeks, week)
				week = [7]*calDay{}
			}
		}
		if week != ([7]*calDay{}) {
			month.Weeks = append(month.Weeks, week)
		}
		out = append(out, month)
	}
	return out
}
