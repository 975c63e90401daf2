Extension: PatientOptOut
Id: patient-opt-out
Title: "Patient opt-out"
Description: "The patient has declined data sharing in the practice system: Sentinel keeps nothing of the course and deletes what it stored of it and of the patient before. Absent means false."
* ^context[+].type = #element
* ^context[=].expression = "EpisodeOfCare"
* value[x] only boolean
* valueBoolean 1..1

Extension: PractitionerInitials
Id: practitioner-initials
Title: "Practitioner initials"
Description: "The initials of the therapist responsible for the course, as the practice system shows them (at most 20 characters)."
* ^context[+].type = #element
* ^context[=].expression = "EpisodeOfCare"
* value[x] only string
* valueString 1..1
* valueString ^maxLength = 20

Extension: OutcomeTimepoint
Id: outcome-timepoint
Title: "Outcome timepoint"
Description: "When in the structured course the measurement was taken: baseline, end_of_course, follow_up_3m or follow_up_12m."
* ^context[+].type = #element
* ^context[=].expression = "Observation"
* ^context[+].type = #element
* ^context[=].expression = "QuestionnaireResponse"
* value[x] only code
* valueCode 1..1
