/**
 * The article of the seed page (`shared/seed/article-page.txt`), as data.
 * Its slug and text are fixed: the seeder finds it by slug and never loads it twice.
 */
export const DEMO_ARTICLE = {
  slug: 'rubio-and-mexicos-foreign-secretary-discuss-cooperation-to-counter-narcoterrorism',
  category: 'Important News',
  title:
    'Rubio and Mexico’s Foreign Secretary Discuss Cooperation to Counter Narcoterrorism, Fentanyl and Weapons Trafficking',
  body: '',
  publishedAt: new Date('2026-01-11T12:00:00.000Z'),
  keyTakeaways: [
    'Secretary of State Marco Rubio spoke with Mexican Foreign Secretary Juan Ramón de la Fuente on January 11, 2026.',
    'Discussion focused on strengthening cooperation to dismantle Mexico’s violent "narcoterrorists" networks.',
    'Stopping the trafficking of fentanyl and weapons was a stated priority of the call.',
    'Rubio reaffirmed the United States’ commitment to stopping narcoterrorism.',
    'Rubio emphasized the need for tangible results to protect the U.S. homeland and the Western Hemisphere.',
    'The readout was attributable to Principal Deputy Spokesperson Tommy Pigott.',
  ],
  followUps: [
    {
      question:
        'Who is Mexican Foreign Secretary Juan Ramón de la Fuente and what is his role in Mexico’s drug policy?',
      answer:
        'Juan Ramón de la Fuente is Mexico’s Secretary of Foreign Affairs (foreign minister), appointed by President Claudia Sheinbaum and ratified by the Mexican Senate in October 2024. He is a psychiatrist and academic who previously served as Mexico’s ambassador to the United Nations, rector of the National Autonomous University of Mexico (UNAM), and federal health secretary. As foreign secretary, he is not the main designer of Mexico’s internal drug-enforcement policy (which is led by security and justice agencies), but he is responsible for the foreign-policy side of drug issues: negotiating and managing Mexico’s security and anti‑drug cooperation with other countries (such as the United States) and representing Mexico in international forums and agreements on narcotics, public security, and organized crime.',
    },
    {
      question: 'What does the State Department mean by "narcoterrorists" networks?',
      answer:
        'In this context, “narcoterrorists networks” is U.S. State Department shorthand for violent criminal organizations involved in drug trafficking (such as Mexican cartels) that use tactics associated with terrorism—mass killings, kidnappings, intimidation, and attacks on authorities—to control territory, populations, and governments. The term combines “narcotics” and “terrorism” to describe drug‑trafficking networks whose violence and coercion go beyond ordinary crime and are seen as a threat to national and regional security.',
    },
    {
      question:
        'What specific actions or joint measures are being considered to disrupt fentanyl and weapons trafficking?',
      answer:
        'The readout of Rubio’s call does not list concrete new steps, only a general commitment to “stronger cooperation” to dismantle violent networks and stop fentanyl and weapons trafficking. However, existing U.S.–Mexico security cooperation gives a good indication of the types of joint measures likely being discussed: • Coordinated law‑enforcement operations, intelligence sharing, and joint investigations targeting cartels and supply chains (often involving DEA, DHS agencies, and Mexican security forces). • Disrupting fentanyl production and supply, including controls on precursor chemicals, lab seizures, and financial sanctions against trafficking networks. • Combating firearms trafficking from the U.S. to Mexico through tracing, inspections of shipments, and joint investigations of gun‑running networks. These kinds of actions are central pillars of the U.S.–Mexico Bicentennial Framework for Security, Public Health, and Safe Communities and related implementation groups, which both governments have used to address fentanyl and arms flows.',
    },
    {
      question:
        'Which U.S. and Mexican agencies would implement the cooperation discussed on the call?',
      answer:
        'The readout does not name specific agencies, but based on how U.S.–Mexico security cooperation is structured, implementation would typically involve: • United States: Department of State (especially the Bureau of International Narcotics and Law Enforcement Affairs and Bureau of Western Hemisphere Affairs), Drug Enforcement Administration (DEA), Department of Homeland Security agencies such as Customs and Border Protection (CBP) and Homeland Security Investigations (HSI/ICE), the Department of Justice (including the FBI and U.S. Marshals Service), and sometimes the Department of the Treasury for financial sanctions. • Mexico: Secretariat of Foreign Affairs (SRE, led by De la Fuente) on the diplomatic side, together with domestic-security and justice institutions such as the Secretariat of Security and Citizen Protection (SSPC), the National Guard, the Secretariat of National Defense (SEDENA), the Secretariat of the Navy (SEMAR), and the Attorney General’s Office (FGR). These bodies already participate in the U.S.–Mexico Bicentennial Framework security implementation groups that coordinate joint work against fentanyl and arms trafficking.',
    },
    {
      question:
        'Did the readout mention any timelines, benchmarks, or mechanisms for measuring the "tangible results" Rubio requested?',
      answer:
        'No. The official State Department readout of Rubio’s call is very short and does not mention any specific timelines, benchmarks, or formal mechanisms to measure the “tangible results” he called for. It only states that Rubio “stressed the need for tangible results to protect our homeland and hemisphere,” without elaboration.',
    },
    {
      question:
        'Who is Principal Deputy Spokesperson Tommy Pigott and what is the purpose of an attributable readout?',
      answer:
        'Tommy Pigott is the Principal Deputy Spokesperson for the U.S. Department of State, a senior communications official who briefs the press and issues official statements. He joined the Department and the Trump‑Vance administration in January 2025 after serving as Strategic Communications Director at the Republican National Committee. When a State Department readout is described as “attributable to” him, it means the summary of the call is an official account that can be quoted publicly as coming from Pigott, speaking in his capacity as the Department’s spokesperson rather than as an unnamed or off‑the‑record source.',
    },
  ],
} as const;
