"""Wording of the task samples (used by make_task_samples.py). Two DISJOINT pools per language:
"train" for assets/samples/, "eval" for assets/eval/ — different phrasings, greetings, connectors and
slot clauses, so evaluation measures the task and not memorised sentences. Facts: assets/company/facts.md.
"""

_EN_TRAIN = {
    "greetings": ["Hi,", "Hello!", "Hey there,", "Good morning,", "Hi Pia,", "hello team,", "Good evening,"],
    "urgent": ["URGENT:", "Please, it's urgent.", "I need this sorted today.", "asap please!"],
    "model": ["It's a Pedala {model}.", "My bike is the {model}.", "(model: {model})", "I ride a {model}."],
    "city": ["I live in {city}.", "I'm in {city}.", "City: {city}.", "here in {city}"],
    "order": ["Order {order}.", "My order number is {order}.", "order #{order}", "ref {order}"],
    "connectors": ["Also, a small thing:", "Oh and, less important:", "Btw,", "PS:"],
    "main": {
        "billing": ["I was charged twice for the same purchase.", "My Pix payment went through but the app says unpaid.",
                    "Why is there an extra charge on my credit card?", "The invoice amount is wrong, I paid less at checkout.",
                    "The boleto I got has the wrong value.", "I didn't get the 5% Pix discount on my purchase.",
                    "My instalments were split into 12 instead of 10.", "I need a receipt for my payment for my company."],
        "delivery": ["My bike still hasn't arrived and it's been a week.", "Where is my order? The tracking hasn't moved.",
                     "The courier says delivered but nothing came.", "Can I change the delivery address of my order?",
                     "How long does shipping take to my town?", "The box arrived damaged from the carrier.",
                     "Delivery was scheduled for yesterday and nobody showed up.", "Can I pick the delivery time?"],
        "returns": ["I want to return the bike I bought.", "How do I get a refund for my purchase?",
                    "I regret buying it, can I send it back?", "The refund for my return hasn't reached my card.",
                    "I bought the wrong model and want to give it back.", "Is it too late to return it after two weeks?",
                    "I'd like to cancel my purchase and get my money back.", "What do I need to do to return my e-bike?"],
        "maintenance": ["The motor makes a grinding noise.", "My battery doesn't hold charge anymore.",
                        "The brakes are squeaking a lot.", "I want to book a maintenance visit.",
                        "The display shows an error code and won't turn on.", "The chain keeps falling off.",
                        "Is a broken motor covered by the warranty?", "The bike won't charge when plugged in."],
        "rentals": ["I want to rent a bike for the weekend.", "How much is a day rental?",
                    "When is the deposit from my rental released?", "I'll return my rental a few hours late.",
                    "Can I book a rental for Saturday?", "Does the rental come with a helmet?",
                    "I was charged a late fee for my rental.", "Can I extend my rental by one more day?"],
        "subscription": ["I want to upgrade my plan to Pro.", "How do I cancel my Pedala Livre subscription?",
                         "Can I switch from Plus to Básico?", "What does the Plus plan include?",
                         "I want to pause my subscription next month.", "When does my plan change take effect?",
                         "Is there a fee to cancel the subscription now?", "I'd like to sign up for the Básico plan."],
        "theft": ["My bike was stolen last night.", "Someone stole my e-bike from the bike rack.",
                  "My subscription bike got stolen, what now?", "I have the police report for my stolen bike.",
                  "My bike was taken while I was at work.", "How fast do I get a replacement after a theft?",
                  "Thieves broke the lock and took my bike.", "What's the deductible for a stolen bike?"],
    },
    "minor": {
        "billing": ["I also need an invoice.", "my last charge looks odd."],
        "delivery": ["when will the spare battery ship?", "the tracking code doesn't work."],
        "returns": ["can I return the helmet too?", "how long do refunds take?"],
        "maintenance": ["the bell is loose.", "the tyre seems low."],
        "rentals": ["do you rent on Sundays?", "what's the weekend rental price?"],
        "subscription": ["what plans do you have?", "can I change my billing day?"],
        "theft": ["does the plan cover theft?", "do you sell better locks?"],
    },
}

_EN_EVAL = {
    "greetings": ["Good afternoon.", "Hiya!", "Dear Pedala support,", "Yo,", "Greetings,"],
    "urgent": ["This can't wait!", "Emergency!!", "I need an answer right now."],
    "model": ["Bike in question: the {model}.", "— {model} owner here.", "The one I have is {model}."],
    "city": ["Located in {city}.", "(writing from {city})", "We're based in {city}."],
    "order": ["Purchase code {order}.", "[{order}]", "See order {order}."],
    "connectors": ["Unrelated, but", "One more minor question:", "And on a side note,"],
    "main": {
        "billing": ["My card statement shows the same Pedala payment two times.",
                    "You debited money that I never authorised.", "The amount billed doesn't match what the site said.",
                    "My bank says the transaction failed but the money left my account."],
        "delivery": ["The package is late and the carrier won't answer me.", "Nothing was dropped off at my door yet.",
                     "Could the parcel be sent to my office instead?", "The shipment seems stuck somewhere for days."],
        "returns": ["I'd like to send back my purchase, it isn't for me.", "Please reverse my purchase, I changed my mind.",
                    "I shipped it back ten days ago and still no money.", "Unused and still in its box: can it go back?"],
        "maintenance": ["There's a clicking sound from the pedals when I ride.", "The assist cuts out on hills.",
                        "The headlight stopped working.", "The battery drains in half the usual distance."],
        "rentals": ["Is there a bike free to hire tomorrow morning?", "What would two days of hire cost me?",
                    "The hold on my card from the hire is still there.", "I'm running behind to drop off the hired bike."],
        "subscription": ["Thinking of moving to a cheaper monthly tier.", "Please end my monthly membership.",
                         "Does the top tier let me ride the Trilha?", "I'd like to go up one level on my monthly package."],
        "theft": ["Came out of the café and my bike was gone.", "Somebody cut the chain lock and rode off with it.",
                  "I filed a boletim de ocorrência, my bike disappeared.", "It vanished from my building's garage."],
    },
    "minor": {
        "billing": ["do you take boleto?", "can the receipt show my company name?"],
        "delivery": ["do you ship outside the four cities?", "is home delivery free?"],
        "returns": ["what's your exchange policy?", "do I need the original box?"],
        "maintenance": ["where's the nearest hub?", "the seat creaks a bit."],
        "rentals": ["is a lock included with hire?", "can tourists hire bikes?"],
        "subscription": ["is maintenance part of the monthly fee?", "what's the minimum term?"],
        "theft": ["is there a GPS tracker option?", "is insurance extra?"],
    },
}

_PT_TRAIN = {
    "greetings": ["Oi,", "Olá!", "Bom dia,", "Boa tarde,", "Oi Pia,", "e aí, pessoal,", "Boa noite,"],
    "urgent": ["URGENTE:", "Por favor, é urgente.", "Preciso resolver isso hoje.", "o quanto antes, por favor!"],
    "model": ["É uma Pedala {model}.", "Minha bike é a {model}.", "(modelo: {model})", "Eu uso uma {model}."],
    "city": ["Moro em {city}.", "Estou em {city}.", "Cidade: {city}.", "aqui em {city}"],
    "order": ["Pedido {order}.", "O número do meu pedido é {order}.", "pedido nº {order}", "ref {order}"],
    "connectors": ["Ah, e uma coisinha:", "Ah, e menos importante:", "Aliás,", "PS:"],
    "main": {
        "cobranca": ["Fui cobrado duas vezes pela mesma compra.", "Paguei no Pix mas o app diz que não foi pago.",
                     "Por que tem uma cobrança a mais no meu cartão?", "O valor da fatura está errado, paguei menos no site.",
                     "O boleto que recebi veio com o valor errado.", "Não recebi o desconto de 5% no Pix.",
                     "Minhas parcelas vieram em 12 e não em 10.", "Preciso de nota fiscal do pagamento para a empresa."],
        "entrega": ["Minha bike ainda não chegou e já faz uma semana.", "Cadê meu pedido? O rastreio não anda.",
                    "A transportadora diz que entregou mas não chegou nada.", "Dá para mudar o endereço de entrega do pedido?",
                    "Quanto tempo demora o frete para a minha cidade?", "A caixa chegou amassada da transportadora.",
                    "A entrega era para ontem e ninguém apareceu.", "Posso escolher o horário da entrega?"],
        "devolucao": ["Quero devolver a bike que comprei.", "Como faço para pedir reembolso da compra?",
                      "Me arrependi da compra, posso devolver?", "O estorno da devolução ainda não caiu no cartão.",
                      "Comprei o modelo errado e quero devolver.", "Depois de duas semanas ainda dá para devolver?",
                      "Quero cancelar a compra e ter meu dinheiro de volta.", "O que preciso fazer para devolver minha e-bike?"],
        "manutencao": ["O motor está fazendo um barulho de raspando.", "Minha bateria não segura mais carga.",
                       "Os freios estão chiando muito.", "Quero agendar uma manutenção.",
                       "O visor mostra um código de erro e não liga.", "A corrente fica caindo.",
                       "Motor quebrado entra na garantia?", "A bike não carrega quando ligo na tomada."],
        "aluguel": ["Quero alugar uma bike para o fim de semana.", "Quanto custa o aluguel de um dia?",
                    "Quando liberam a caução do meu aluguel?", "Vou devolver a bike alugada algumas horas atrasado.",
                    "Posso reservar um aluguel para sábado?", "O aluguel vem com capacete?",
                    "Me cobraram multa por atraso no aluguel.", "Posso estender meu aluguel por mais um dia?"],
        "assinatura": ["Quero mudar meu plano para o Pro.", "Como cancelo minha assinatura Pedala Livre?",
                       "Posso trocar do Plus para o Básico?", "O que o plano Plus inclui?",
                       "Quero pausar minha assinatura no mês que vem.", "Quando a troca de plano passa a valer?",
                       "Tem multa para cancelar a assinatura agora?", "Quero assinar o plano Básico."],
        "roubo": ["Roubaram minha bike ontem à noite.", "Levaram minha e-bike do bicicletário.",
                  "A bike da assinatura foi roubada, e agora?", "Já tenho o boletim de ocorrência da bike roubada.",
                  "Levaram minha bike enquanto eu estava no trabalho.", "Em quanto tempo recebo outra bike depois do roubo?",
                  "Quebraram o cadeado e levaram a bike.", "Qual é a franquia para bike roubada?"],
    },
    "minor": {
        "cobranca": ["também preciso da nota fiscal.", "a última cobrança parece estranha."],
        "entrega": ["quando sai a bateria reserva?", "o código de rastreio não funciona."],
        "devolucao": ["dá para devolver o capacete também?", "quanto tempo leva o reembolso?"],
        "manutencao": ["a campainha está solta.", "o pneu parece murcho."],
        "aluguel": ["vocês alugam no domingo?", "quanto é o aluguel de fim de semana?"],
        "assinatura": ["quais planos vocês têm?", "posso mudar o dia da cobrança?"],
        "roubo": ["o plano cobre roubo?", "vocês vendem cadeados melhores?"],
    },
}

_PT_EVAL = {
    "greetings": ["Prezados,", "Opa!", "Olá, suporte Pedala.", "Fala, galera,", "Saudações,"],
    "urgent": ["Isso não pode esperar!", "Emergência!!", "Preciso de resposta agora mesmo."],
    "model": ["Bicicleta em questão: a {model}.", "— dono de uma {model}.", "A que eu tenho é a {model}."],
    "city": ["Sou de {city}.", "(escrevendo de {city})", "Ficamos em {city}."],
    "order": ["Código da compra {order}.", "[{order}]", "Veja o pedido {order}."],
    "connectors": ["Nada a ver, mas", "Mais uma dúvida pequena:", "E, de quebra,"],
    "main": {
        "cobranca": ["Meu extrato mostra o mesmo pagamento da Pedala duas vezes.",
                     "Vocês debitaram um valor que eu nunca autorizei.", "O valor cobrado não bate com o que o site dizia.",
                     "O banco diz que a transação falhou, mas o dinheiro saiu da conta."],
        "entrega": ["O pacote está atrasado e a transportadora não me responde.", "Ainda não deixaram nada na minha porta.",
                    "Daria para mandar a encomenda para o meu escritório?", "A remessa parece parada em algum lugar há dias."],
        "devolucao": ["Gostaria de mandar de volta o que comprei, não serviu para mim.", "Por favor, desfaçam a compra, mudei de ideia.",
                      "Despachei de volta há dez dias e nada do dinheiro.", "Sem uso e ainda na caixa: posso mandar de volta?"],
        "manutencao": ["Tem um estalo vindo dos pedais quando pedalo.", "A assistência desliga nas subidas.",
                       "O farol parou de funcionar.", "A bateria acaba na metade da distância de sempre."],
        "aluguel": ["Tem bike livre para locação amanhã cedo?", "Quanto sai locar por dois dias?",
                    "O bloqueio no cartão da locação continua lá.", "Estou atrasado para entregar a bike locada."],
        "assinatura": ["Estou pensando em ir para uma mensalidade mais barata.", "Por favor, encerrem minha mensalidade.",
                       "O nível mais alto deixa eu usar a Trilha?", "Quero subir um nível no meu pacote mensal."],
        "roubo": ["Saí da padaria e minha bike tinha sumido.", "Cortaram a corrente do cadeado e foram embora com ela.",
                  "Fiz o B.O., minha bicicleta desapareceu.", "Ela sumiu da garagem do prédio."],
    },
    "minor": {
        "cobranca": ["aceitam boleto?", "o recibo pode sair no nome da empresa?"],
        "entrega": ["vocês mandam para fora das quatro cidades?", "a entrega em casa é grátis?"],
        "devolucao": ["como funciona a troca?", "preciso da caixa original?"],
        "manutencao": ["qual é o hub mais perto?", "o banco range um pouco."],
        "aluguel": ["a locação inclui cadeado?", "turista pode locar bike?"],
        "assinatura": ["a manutenção entra na mensalidade?", "qual é o prazo mínimo?"],
        "roubo": ["tem opção de rastreador GPS?", "o seguro é à parte?"],
    },
}

_EN_QUEUES = ("billing", "delivery", "returns", "maintenance", "rentals", "subscription", "theft")
_PT_QUEUES = ("cobranca", "entrega", "devolucao", "manutencao", "aluguel", "assinatura", "roubo")
_FIELDS_EN = ("Extract the ticket as one JSON object with the keys intent ({queues}), bike_model "
              "(Urbana, Trilha, Dobrável or null), city (Curitiba, São Paulo, Florianópolis, Porto Alegre or null), "
              "order_number (like PD-123456, or null) and urgency (high or normal). Reply with the JSON only.")
_FIELDS_PT = ("Extraia o chamado como um objeto JSON com as chaves intent ({queues}), bike_model "
              "(Urbana, Trilha, Dobrável ou null), city (Curitiba, São Paulo, Florianópolis, Porto Alegre ou null), "
              "order_number (como PD-123456, ou null) e urgency (high ou normal). Responda só com o JSON.")

TEMPLATES = {
    "en": {"queues": _EN_QUEUES, "train": _EN_TRAIN, "eval": _EN_EVAL,
           "system": {"routing": "Route the customer's message to one support queue: " + ", ".join(_EN_QUEUES)
                                 + ". Reply with the queue name only.",
                      "extraction": _FIELDS_EN.format(queues=", ".join(_EN_QUEUES))}},
    "pt-BR": {"queues": _PT_QUEUES, "train": _PT_TRAIN, "eval": _PT_EVAL,
              "system": {"routing": "Encaminhe a mensagem do cliente para uma fila de atendimento: "
                                    + ", ".join(_PT_QUEUES) + ". Responda só com o nome da fila.",
                         "extraction": _FIELDS_PT.format(queues=", ".join(_PT_QUEUES))}},
}
