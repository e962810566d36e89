// Package demo holds the fictional demo cast of Storyguard's demo vault
// (BRIEF.md, "The demo cast"). Every person here is invented. This file is
// the one place in the repository where their fictional real names are
// written in clear; everything else reads them from the encrypted
// examples/vault/registry.age or from this package in tests.
package demo

import "storyguard/tools/identity"

// Registry returns the demo registry (demo: true) encrypted to recipients.
func Registry(recipients ...string) *identity.Registry {
	return &identity.Registry{
		Version:    1,
		Demo:       true,
		Recipients: recipients,
		Persons: []identity.Person{
			{
				ID: "p-0001", Role: "storyteller", Pseudonym: "Lucía*",
				Names:       []string{"Marisol Quiñónez Ajú"},
				GivenNames:  []string{"Marisol"},
				FamilyNames: []string{"Quiñónez", "Ajú"},
				Nicknames:   []string{"Chola"},
				Details: []identity.Detail{
					{Kind: "village", Value: "San Bartolo Xolá"},
					{Kind: "school", Value: "Escuela Rural Mixta Los Cipreses"},
					{Kind: "phone", Value: "+502 5521 0937"},
					{Kind: "employer", Value: "Maquila Textiles del Valle"},
				},
			},
			{
				ID: "p-0002", Role: "storyteller", PublicName: "Rosa",
				Names:       []string{"Rosa Elvira Cutzal Batz"},
				GivenNames:  []string{"Rosa", "Elvira"},
				FamilyNames: []string{"Cutzal", "Batz"},
				Details: []identity.Detail{
					{Kind: "village", Value: "Aldea Pachalí"},
					{Kind: "employer", Value: "Comedor La Esperanza"},
					{Kind: "email", Value: "rosa.cutzal@correo.example"},
				},
			},
			{
				ID: "p-0003", Role: "storyteller", Pseudonym: "Daniela*",
				Names:       []string{"Yesenia Pop Caal"},
				GivenNames:  []string{"Yesenia"},
				FamilyNames: []string{"Pop", "Caal"},
				Details: []identity.Detail{
					{Kind: "school", Value: "Instituto Básico Santa Inés"},
				},
			},
			{
				ID: "p-0004", Role: "storyteller", Pseudonym: "Marta*",
				Names:       []string{"Leticia Chen Xiloj"},
				GivenNames:  []string{"Leticia"},
				FamilyNames: []string{"Chen", "Xiloj"},
			},
			{
				ID: "p-0101", Role: "perpetrator", Pseudonym: "El Lobo*",
				Names:       []string{"Fermín Ixcoy Batres"},
				GivenNames:  []string{"Fermín"},
				FamilyNames: []string{"Ixcoy", "Batres"},
			},
			{
				ID: "p-0102", Role: "relative",
				Names:       []string{"Hortensia Quiñónez"},
				GivenNames:  []string{"Hortensia"},
				FamilyNames: []string{"Quiñónez"},
			},
		},
	}
}
