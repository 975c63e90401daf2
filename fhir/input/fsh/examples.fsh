// Examples of the profile. The test suite posts ExampleTransaction to the FHIR door and checks
// each instance against the R4 models. The Patient's CPR is a placeholder that is no CPR (day
// 00); the tests put a generated one in its place (no CPR is ever committed).

Instance: example-clinic
InstanceOf: SentinelOrganization
Title: "A physiotherapy clinic"
Usage: #example
* identifier[ydernummer].value = "12345"
* identifier[sor].value = "123456789012345"
* name = "Fysioterapien Eksempelby"

Instance: example-patient
InstanceOf: SentinelPatient
Title: "A patient by CPR"
Usage: #example
* identifier[cpr].value = "0001001000"

Instance: example-condition-l03
InstanceOf: SentinelCondition
Title: "Low back pain, the first code of the course"
Usage: #example
* code.coding[icpc2] = $icpc2#L03 "Symptom/klage fra lænd"
* category[diagnosisSource] = $diagnosis-source#clinician
* clinicalStatus = $condition-clinical#active
* subject = Reference(example-patient)
* recordedDate = "2026-02-02T09:30:00+01:00"

Instance: example-condition-l86
InstanceOf: SentinelCondition
Title: "Back syndrome with radiating pain, the code when the therapist was sure (ICPC-2 with SNOMED CT beside it)"
Usage: #example
* code.coding[icpc2] = $icpc2#L86 "Rygsyndrom med smerteudstråling"
* code.coding[sct] = $sct#202794004
* category[diagnosisSource] = $diagnosis-source#clinician
* clinicalStatus = $condition-clinical#active
* verificationStatus = $condition-ver-status#confirmed
* subject = Reference(example-patient)
* recordedDate = "2026-02-16T10:00:00+01:00"

Instance: example-course
InstanceOf: SentinelEpisodeOfCare
Title: "A structured course for lumbar radiculopathy, refined from a symptom code"
Usage: #example
* meta.versionId = "2"
* extension[patientOptOut].valueBoolean = false
* extension[practitionerInitials].valueString = "MK"
* identifier.system = $source-id
* identifier.value = "EX-1"
* status = #active
* type[speciale] = $speciale#51 "Almen fysioterapi"
* type[courseType] = $course-type#lumbar_radiculopathy
* patient = Reference(example-patient)
* managingOrganization = Reference(example-clinic)
* period.start = "2026-02-02"
* diagnosis[0].condition = Reference(example-condition-l03)
* diagnosis[1].condition = Reference(example-condition-l86)

Instance: example-transaction
InstanceOf: Bundle
Title: "A course sent as one transaction"
Usage: #example
* type = #transaction
* entry[0].fullUrl = "https://praksis.example/fhir/Organization/example-clinic"
* entry[=].resource = example-clinic
* entry[=].request.method = #PUT
* entry[=].request.url = "Organization/example-clinic"
* entry[+].fullUrl = "https://praksis.example/fhir/Patient/example-patient"
* entry[=].resource = example-patient
* entry[=].request.method = #PUT
* entry[=].request.url = "Patient/example-patient"
* entry[+].fullUrl = "https://praksis.example/fhir/Condition/example-condition-l03"
* entry[=].resource = example-condition-l03
* entry[=].request.method = #PUT
* entry[=].request.url = "Condition/example-condition-l03"
* entry[+].fullUrl = "https://praksis.example/fhir/Condition/example-condition-l86"
* entry[=].resource = example-condition-l86
* entry[=].request.method = #PUT
* entry[=].request.url = "Condition/example-condition-l86"
* entry[+].fullUrl = "https://praksis.example/fhir/EpisodeOfCare/example-course"
* entry[=].resource = example-course
* entry[=].request.method = #PUT
* entry[=].request.url = "EpisodeOfCare/example-course"

Instance: example-nprs-baseline
InstanceOf: SentinelObservation
Title: "Pain at the start of the course (NPRS 0-10), answered by the patient"
Usage: #example
* identifier.system = $source-id
* identifier.value = "EX-1-NPRS-1"
* extension[episodeOfCare].valueReference = Reference(example-course)
* extension[timepoint].valueCode = #baseline
* status = #final
* code = $outcome-instrument#nprs
* subject = Reference(example-patient)
* effectiveDateTime = "2026-02-02"
* performer[0].type = "Organization"
* performer[0].identifier.system = $ydernummer
* performer[0].identifier.value = "12345"
* performer[1].type = "Patient"
* performer[1].display = "Patienten selv"
* valueQuantity.value = 7

Instance: example-psfs-baseline
InstanceOf: SentinelQuestionnaireResponse
Title: "Patient-Specific Functional Scale at the start of the course: two activities, scores only"
Usage: #example
* identifier.system = $source-id
* identifier.value = "EX-1-PSFS-1"
* extension[episodeOfCare].valueReference = Reference(example-course)
* extension[timepoint].valueCode = #baseline
* questionnaire = "https://sentinel-data.dk/fhir/Questionnaire/psfs"
* status = #completed
* subject = Reference(example-patient)
* authored = "2026-02-02"
* author.type = "Organization"
* author.identifier.system = $ydernummer
* author.identifier.value = "12345"
* source.type = "Patient"
* source.display = "Patienten selv"
* item[0].linkId = "1"
* item[0].answer[0].valueInteger = 3
* item[1].linkId = "2"
* item[1].answer[0].valueInteger = 5
