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
